// Colours shared by the map, the legend, the timeline and the lists.

export const TYPE_COLORS = {
  Battles: "#d62728",
  "Explosions/Remote violence": "#ff7f0e",
  "Violence against civilians": "#9467bd",
  Protests: "#2ca02c",
  Riots: "#8c564b",
  "Strategic developments": "#1f77b4",
  "Other events": "#7f7f7f",
};

export function typeColor(type) {
  return TYPE_COLORS[type] || "#555";
}

/** Marker radius in pixels: grows with the square root of the fatalities. */
export function radius(fatalities) {
  const n = Number(fatalities) || 0;
  return n > 0 ? Math.min(5 + 2.2 * Math.sqrt(n), 26) : 4.5;
}
