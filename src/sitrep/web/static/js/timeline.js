// The timeline: events per day, week or month (stacked by type) and a brush. Drag across
// it to keep only the events of that period (map, list and claims follow); click it, or
// "clear", to see every date again.

import { h, svg } from "./dom.js";
import { TYPE_COLORS, typeColor } from "./palette.js";

const DAY = 86400000;
const HEIGHT = 96;
const AXIS = 18;

function toDay(iso) {
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function iso(t) {
  return new Date(t).toISOString().slice(0, 10);
}

function binStart(t, unit) {
  const d = new Date(t);
  if (unit === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  if (unit === "week") return t - ((d.getUTCDay() + 6) % 7) * DAY; // Monday
  return t;
}

function nextBin(t, unit) {
  const d = new Date(t);
  if (unit === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return t + (unit === "week" ? 7 : 1) * DAY;
}

export class Timeline {
  constructor(container, app) {
    this.app = app;
    this.container = container;
    this.label = h("span", { class: "range-label" });
    this.clear = h("button", { type: "button", class: "link", hidden: true, onclick: () => app.setRange(null) }, "clear");
    this.head = h("div", { class: "timeline-head" }, h("strong", {}, "Timeline"), " ", this.label, " ", this.clear);
    this.svg = svg("svg", { class: "timeline-svg", height: HEIGHT, "aria-label": "Events over time; drag to select a period" });
    container.append(this.head, this.svg);
    new ResizeObserver(() => this.render()).observe(container);
    app.on("events", () => this.render());
    app.on("range", () => this.renderRange());
    this.bindBrush();
  }

  render() {
    this.width = Math.max(this.container.getBoundingClientRect().width, 200);
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${HEIGHT}`);
    this.svg.setAttribute("width", this.width);
    const dated = this.app.events.filter((e) => e.date?.start || e.article?.published);
    this.svg.replaceChildren();
    const undated = this.app.events.length - dated.length;
    this.undated = undated;
    if (!dated.length) {
      this.domain = null;
      this.svg.append(svg("text", { x: 8, y: HEIGHT / 2, class: "empty" }, "no dated events"));
      this.renderRange();
      return;
    }
    const starts = dated.map((e) => toDay(e.date?.start || e.article.published));
    const ends = dated.map((e) => toDay(e.date?.end || e.date?.start || e.article.published));
    let t0 = starts.reduce((a, b) => Math.min(a, b));
    let t1 = ends.reduce((a, b) => Math.max(a, b)) + DAY;
    const span = (t1 - t0) / DAY;
    this.unit = span <= 120 ? "day" : span <= 730 ? "week" : "month";
    t0 = binStart(t0, this.unit);
    t1 = nextBin(binStart(t1, this.unit), this.unit);
    this.domain = [t0, t1];
    // counts per bin and type; an event counts in the bin of its start
    const bins = new Map();
    for (const e of dated) {
      const b = binStart(toDay(e.date?.start || e.article.published), this.unit);
      if (!bins.has(b)) bins.set(b, new Map());
      const m = bins.get(b);
      m.set(e.event_type, (m.get(e.event_type) || 0) + 1);
    }
    const max = [...bins.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0)).reduce((a, b) => Math.max(a, b));
    const plot = HEIGHT - AXIS - 4;
    const bars = svg("g", { class: "bars" });
    for (const [b, counts] of bins) {
      const x = this.x(b);
      const w = Math.max(this.x(nextBin(b, this.unit)) - x - 1, 1.5);
      let y = HEIGHT - AXIS;
      for (const type of Object.keys(TYPE_COLORS).concat([...counts.keys()].filter((t) => !(t in TYPE_COLORS)))) {
        const n = counts.get(type);
        if (!n) continue;
        const hgt = Math.max((n / max) * plot, 2);
        y -= hgt;
        bars.append(
          svg("rect", { x, y, width: w, height: hgt, fill: typeColor(type) }, svg("title", {}, `${iso(b)} (${this.unit}): ${n} ${type}`)),
        );
      }
    }
    this.svg.append(bars, this.axis(), (this.brushRect = svg("rect", { class: "brush", y: 0, height: HEIGHT - AXIS, x: 0, width: 0 })));
    this.renderRange();
  }

  x(t) {
    const [t0, t1] = this.domain;
    return 4 + ((t - t0) / (t1 - t0)) * (this.width - 8);
  }

  timeAt(x) {
    const [t0, t1] = this.domain;
    return t0 + ((x - 4) / (this.width - 8)) * (t1 - t0);
  }

  axis() {
    const g = svg("g", { class: "axis" });
    const [t0, t1] = this.domain;
    const days = (t1 - t0) / DAY;
    const step = days <= 14 ? "day" : days <= 180 ? "week" : days <= 1500 ? "month" : "year";
    let t = step === "year" ? Date.UTC(new Date(t0).getUTCFullYear() + 1, 0, 1) : binStart(t0, step === "day" ? "day" : step);
    const labels = [];
    while (t < t1) {
      if (t >= t0) labels.push(t);
      const d = new Date(t);
      t = step === "year" ? Date.UTC(d.getUTCFullYear() + 1, 0, 1) : nextBin(t, step);
    }
    const every = Math.max(1, Math.ceil(labels.length / Math.max(this.width / 90, 1)));
    labels.forEach((tick, i) => {
      if (i % every) return;
      const x = this.x(tick);
      const text = step === "year" ? iso(tick).slice(0, 4) : step === "month" ? iso(tick).slice(0, 7) : iso(tick).slice(5);
      g.append(svg("line", { x1: x, x2: x, y1: HEIGHT - AXIS, y2: HEIGHT - AXIS + 4 }), svg("text", { x: x + 2, y: HEIGHT - 4 }, text));
    });
    g.append(svg("line", { x1: 0, x2: this.width, y1: HEIGHT - AXIS, y2: HEIGHT - AXIS }));
    return g;
  }

  bindBrush() {
    let start = null;
    this.svg.addEventListener("pointerdown", (ev) => {
      if (!this.domain || ev.button !== 0) return;
      start = ev.clientX - this.svg.getBoundingClientRect().left;
      this.svg.setPointerCapture(ev.pointerId);
      this.drawBrush(start, start);
    });
    this.svg.addEventListener("pointermove", (ev) => {
      if (start === null) return;
      this.drawBrush(start, ev.clientX - this.svg.getBoundingClientRect().left);
    });
    this.svg.addEventListener("pointerup", (ev) => {
      if (start === null) return;
      const end = ev.clientX - this.svg.getBoundingClientRect().left;
      const [a, b] = [Math.min(start, end), Math.max(start, end)];
      start = null;
      if (b - a < 3) {
        this.app.setRange(null);
        return;
      }
      this.app.setRange([iso(this.timeAt(a)), iso(this.timeAt(b) - DAY / 2)]);
    });
  }

  drawBrush(a, b) {
    if (!this.brushRect) return;
    this.brushRect.setAttribute("x", Math.min(a, b));
    this.brushRect.setAttribute("width", Math.abs(b - a));
  }

  renderRange() {
    const range = this.app.range;
    this.clear.hidden = !range;
    const undated = this.undated ? ` · ${this.undated} undated` : "";
    if (!range) {
      this.label.textContent = this.domain ? `${iso(this.domain[0])} – ${iso(this.domain[1] - DAY)}${undated} · drag to select a period` : "";
      this.drawBrush(0, 0);
      return;
    }
    this.label.textContent = `showing ${range[0]} – ${range[1]}${undated ? " (undated events hidden)" : ""}`;
    if (this.domain) this.drawBrush(this.x(toDay(range[0])), this.x(toDay(range[1]) + DAY));
  }
}
