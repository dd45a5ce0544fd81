// The map: an SVG in Web Mercator with the bundled country outlines (works offline),
// online tiles underneath only when the tile server answers, and one marker per located
// event, coloured by event type and sized by fatalities. Pan by dragging, zoom with the
// wheel, a double click or the buttons.

import { h, svg, append, fmtInterval, fmtNumber, debounce } from "./dom.js";
import { eventKey } from "./state.js";
import { TYPE_COLORS, typeColor, radius } from "./palette.js";

const TILE = 256; // world size in map units at zoom 0
const MAX_LAT = 85.05112878;
const MAX_SCALE = 2 ** 18;
const OUTLINES = "/static/vendor/world-atlas/countries-110m.json";

export function project(lon, lat) {
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return [((lon + 180) / 360) * TILE, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * TILE];
}

export function unproject(x, y) {
  const n = Math.PI - (2 * Math.PI * y) / TILE;
  return [(x / TILE) * 360 - 180, (180 / Math.PI) * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)))];
}

/** TopoJSON countries -> [{id, name, d}] with SVG path data in map units. */
export function outlinePaths(topo, object = "countries") {
  const [sx, sy] = topo.transform.scale;
  const [tx, ty] = topo.transform.translate;
  const arcs = topo.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]) => {
      x += dx;
      y += dy;
      return project(x * sx + tx, y * sy + ty);
    });
  });
  const ring = (indexes) => {
    const points = [];
    let shift = 0; // a ring that crosses the antimeridian continues past the map's edge
    for (const i of indexes) {
      const arc = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
      arc.forEach((p, j) => {
        if (j > 0 || points.length === 0) {
          const prev = points[points.length - 1];
          if (prev) {
            const dx = p[0] + shift - prev[0];
            if (dx > TILE / 2) shift -= TILE;
            else if (dx < -TILE / 2) shift += TILE;
          }
          points.push([p[0] + shift, p[1]]);
        }
      });
    }
    return `M${points.map((p) => `${p[0].toFixed(3)},${p[1].toFixed(3)}`).join("L")}Z`;
  };
  return topo.objects[object].geometries
    .filter((g) => g.arcs)
    .map((g) => {
      const polygons = g.type === "Polygon" ? [g.arcs] : g.arcs;
      return { id: g.id, name: g.properties?.name || "", d: polygons.map((p) => p.map(ring).join("")).join("") };
    });
}

export class EventMap {
  constructor(container, app, tiles) {
    this.app = app;
    app.map = this;
    this.tiles = tiles; // {url, attribution} or null
    this.tilesOn = false;
    this.k = 1;
    this.tx = 0;
    this.ty = 0;
    this.fitted = false;
    this.markers = new Map(); // key -> circle
    this.labels = []; // one per place with events: {el, world, weight}

    this.gTiles = svg("g", { class: "tiles" });
    this.gLand = svg("g", { class: "countries" });
    this.gMarkers = svg("g", { class: "markers" });
    this.gLabels = svg("g", { class: "place-labels", "aria-hidden": "true" });
    this.svg = svg("svg", { class: "map-svg", "aria-label": "Map of events" }, this.gTiles, this.gLand, this.gLabels, this.gMarkers);
    this.note = h("div", { class: "map-note" });
    this.attribution = h("div", { class: "map-attribution", hidden: true });
    this.legend = h("div", { class: "legend" });
    const button = (label, title, fn) => h("button", { type: "button", title, "aria-label": title, onclick: fn }, label);
    this.controls = h(
      "div",
      { class: "map-controls" },
      button("+", "Zoom in", () => this.zoomBy(2)),
      button("−", "Zoom out", () => this.zoomBy(0.5)),
      button("⤢", "Fit to events", () => this.fit()),
    );
    container.append(this.svg, this.controls, this.legend, this.note, this.attribution);
    this.container = container;
    this.announce = debounce(() => this.emitBounds(), 120);

    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
    this.bindPointer();
    // one listener for every marker
    this.gMarkers.addEventListener("click", (ev) => {
      const key = ev.target.dataset?.key;
      if (key && !this.suppressClick) this.app.select(key);
    });
    this.tip = h("div", { class: "map-tip", hidden: true });
    container.append(this.tip);
    this.gMarkers.addEventListener("mouseover", (ev) => {
      const label = ev.target.getAttribute?.("aria-label");
      if (!label) return;
      const box = this.container.getBoundingClientRect();
      this.tip.textContent = label;
      this.tip.hidden = false;
      this.tip.style.left = `${Math.min(ev.clientX - box.left + 12, this.width - this.tip.offsetWidth - 4)}px`;
      this.tip.style.top = `${ev.clientY - box.top + 12}px`;
    });
    this.gMarkers.addEventListener("mouseout", () => (this.tip.hidden = true));
    this.gMarkers.addEventListener("keydown", (ev) => {
      const key = ev.target.dataset?.key;
      if (key && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        this.app.select(key);
      }
    });

    app.on("events", () => this.setEvents());
    app.on("range", () => this.applyRange());
    app.on("select", (e) => this.highlight(e));
    app.on("filters", (f) => this.highlightCountry(f.country));
    this.loadOutlines();
    this.probeTiles();
  }

  // -- view ----------------------------------------------------------------------------
  resize() {
    const rect = this.container.getBoundingClientRect();
    this.width = Math.max(rect.width, 100);
    this.height = Math.max(rect.height, 100);
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    if (!this.fitted) this.fit();
    else this.render();
  }

  minScale() {
    return Math.min(this.width, this.height) / TILE;
  }

  setView(k, tx, ty, now = false) {
    this.k = Math.max(this.minScale(), Math.min(MAX_SCALE, k));
    this.tx = tx;
    this.ty = ty;
    if (now) this.draw();
    else this.render();
  }

  zoomBy(factor, cx = this.width / 2, cy = this.height / 2) {
    const k = Math.max(this.minScale(), Math.min(MAX_SCALE, this.k * factor));
    const f = k / this.k;
    this.setView(k, cx - (cx - this.tx) * f, cy - (cy - this.ty) * f);
  }

  /** Fit the located events (the whole world when there are none). */
  fit() {
    const points = this.located().map((e) => project(e.location.lon, e.location.lat));
    let [x0, y0, x1, y1] = [0, 0, TILE, TILE];
    if (points.length) {
      [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const [x, y] of points) {
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
    const pad = 48;
    const [w, hgt] = [x1 - x0, y1 - y0];
    // one place: a regional view; several: their bounds, but never closer than a region
    let k = w < 1e-6 && hgt < 1e-6 ? 2 ** 6 : Math.min((this.width - 2 * pad) / Math.max(w, 1e-9), (this.height - 2 * pad) / Math.max(hgt, 1e-9));
    k = Math.max(this.minScale(), Math.min(k, 2 ** 7));
    this.fitted = true;
    this.setView(k, this.width / 2 - ((x0 + x1) / 2) * k, this.height / 2 - ((y0 + y1) / 2) * k, true);
  }

  /** Redraw at the next frame: many wheel or drag events make one redraw. */
  render() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.draw();
    });
  }

  draw() {
    const t = `matrix(${this.k} 0 0 ${this.k} ${this.tx} ${this.ty})`;
    this.gLand.setAttribute("transform", t);
    this.gTiles.setAttribute("transform", t);
    this.renderTiles();
    this.placeMarkers();
    this.announce();
  }

  emitBounds() {
    const [lon0, lat1] = unproject(-this.tx / this.k, -this.ty / this.k);
    const [lon1, lat0] = unproject((this.width - this.tx) / this.k, (this.height - this.ty) / this.k);
    this.app.bounds = [lon0, lat0, lon1, lat1];
    this.app.emit("view", this.app.bounds);
  }

  bindPointer() {
    let drag = null;
    this.svg.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, tx: this.tx, ty: this.ty, moved: false, id: ev.pointerId };
    });
    this.svg.addEventListener("pointermove", (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) this.svg.setPointerCapture(ev.pointerId);
      drag.moved = true;
      this.svg.classList.add("dragging");
      this.setView(this.k, drag.tx + dx, drag.ty + dy);
    });
    const end = (ev) => {
      if (drag?.moved) {
        this.suppressClick = true;
        setTimeout(() => (this.suppressClick = false), 0);
      }
      if (drag && this.svg.hasPointerCapture(ev.pointerId)) this.svg.releasePointerCapture(ev.pointerId);
      drag = null;
      this.svg.classList.remove("dragging");
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
    this.svg.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const rect = this.svg.getBoundingClientRect();
        this.zoomBy(Math.exp(-ev.deltaY * 0.0025), ev.clientX - rect.left, ev.clientY - rect.top);
      },
      { passive: false },
    );
    this.svg.addEventListener("dblclick", (ev) => {
      const rect = this.svg.getBoundingClientRect();
      this.zoomBy(2, ev.clientX - rect.left, ev.clientY - rect.top);
    });
  }

  // -- outlines and tiles ----------------------------------------------------------------
  async loadOutlines() {
    try {
      const response = await fetch(OUTLINES);
      const topo = await response.json();
      for (const c of outlinePaths(topo)) {
        const path = svg("path", { d: c.d, dataset: { id: c.id || "" } }, svg("title", {}, c.name));
        this.gLand.append(path);
      }
      this.highlightCountry(this.app.filters.country);
    } catch (err) {
      this.note.textContent = "country outlines could not be loaded";
      console.error(err);
    }
  }

  highlightCountry(code) {
    const numeric = (this.app.facets?.countries || []).find((c) => c.name === code)?.numeric;
    for (const path of this.gLand.children) path.classList.toggle("focus", Boolean(numeric) && path.dataset.id === numeric);
  }

  tileUrl(z, x, y) {
    return this.tiles.url.replace("{z}", z).replace("{x}", x).replace("{y}", y).replace("{s}", "a");
  }

  /** Online tiles only when one loads: offline, the outlines stay the map. */
  probeTiles() {
    if (!this.tiles?.url) {
      this.note.textContent = "offline map: bundled country outlines";
      return;
    }
    const img = new Image();
    const timer = setTimeout(() => (img.src = ""), 5000);
    img.onload = () => {
      clearTimeout(timer);
      this.tilesOn = true;
      this.container.classList.add("with-tiles");
      this.attribution.textContent = this.tiles.attribution || "";
      this.attribution.hidden = false;
      this.note.textContent = "";
      this.renderTiles();
    };
    img.onerror = () => {
      clearTimeout(timer);
      this.note.textContent = "offline map: bundled country outlines";
    };
    img.src = this.tileUrl(0, 0, 0);
  }

  renderTiles() {
    if (!this.tilesOn) return;
    const z = Math.max(0, Math.min(19, Math.round(Math.log2(this.k))));
    const n = 2 ** z;
    const size = TILE / n;
    const [x0, x1] = [-this.tx / this.k, (this.width - this.tx) / this.k].map((v) => Math.floor(v / size));
    const [y0, y1] = [-this.ty / this.k, (this.height - this.ty) / this.k].map((v) => Math.floor(v / size));
    const wanted = new Map();
    for (let x = Math.max(0, x0); x <= Math.min(n - 1, x1); x++) {
      for (let y = Math.max(0, y0); y <= Math.min(n - 1, y1); y++) wanted.set(`${z}/${x}/${y}`, [x, y]);
    }
    for (const img of [...this.gTiles.children]) {
      if (!wanted.has(img.dataset.tile)) img.remove();
      else wanted.delete(img.dataset.tile);
    }
    for (const [tile, [x, y]] of wanted) {
      this.gTiles.append(
        svg("image", {
          href: this.tileUrl(z, x, y),
          x: x * size,
          y: y * size,
          width: size * 1.002, // overlap a hair: no seams between tiles
          height: size * 1.002,
          preserveAspectRatio: "none",
          dataset: { tile },
        }),
      );
    }
  }

  // -- markers -------------------------------------------------------------------------
  located() {
    return this.app.events.filter((e) => e.location && e.location.lat != null && e.location.lon != null);
  }

  setEvents() {
    this.gMarkers.replaceChildren();
    this.gLabels.replaceChildren();
    this.shownLabels = null;
    this.placedAt = null;
    this.markers.clear();
    const events = this.located();
    const places = new Map();
    for (const e of events) {
      const spot = `${e.location.lat},${e.location.lon}`;
      const p = places.get(spot) || { name: e.location.name || e.location.mention || "", world: project(e.location.lon, e.location.lat), weight: 0 };
      p.weight += 1 + (e.fatalities?.total || 0);
      places.set(spot, p);
    }
    // the names of the places with events, heaviest first (only the first ones in view are shown)
    this.labels = [...places.values()]
      .filter((p) => p.name)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, 500);
    for (const p of this.labels) {
      p.el = svg("text", { class: "place-label off" }, p.name);
      this.gLabels.append(p.el);
    }
    // big markers first, so that small ones stay on top and clickable
    events.sort((a, b) => (b.fatalities?.total || 0) - (a.fatalities?.total || 0));
    const atPlace = new Map();
    for (const e of events) {
      const spot = `${e.location.lat},${e.location.lon}`;
      atPlace.set(spot, (atPlace.get(spot) || 0) + 1);
    }
    const seen = new Map();
    for (const e of events) {
      const key = eventKey(e);
      const spot = `${e.location.lat},${e.location.lon}`;
      const i = seen.get(spot) || 0;
      seen.set(spot, i + 1);
      const label = [
        `${e.event_type} › ${e.sub_event_type}`,
        [e.location.name || e.location.mention, e.location.country].filter(Boolean).join(", "),
        fmtInterval(e.date),
        e.fatalities?.total ? `${fmtNumber(e.fatalities.total)} fatalities` : "",
      ]
        .filter(Boolean)
        .join(" · ");
      const circle = svg(
        "circle",
        {
          class: "marker",
          r: radius(e.fatalities?.total),
          fill: typeColor(e.event_type),
          tabindex: 0,
          role: "button",
          "aria-label": label,
          dataset: { key, type: e.event_type },
        },
      );
      circle.ring = { i, n: atPlace.get(spot) }; // events at the same place spread on a small ring
      circle.world = project(e.location.lon, e.location.lat);
      this.markers.set(key, circle);
      this.gMarkers.append(circle);
    }
    this.renderLegend();
    // fit the first events, and the events of new filters; keep the user's view otherwise
    if ((!this.fittedEvents && events.length) || this.app.refit) {
      this.fit();
      this.fittedEvents = events.length > 0;
    } else this.placeMarkers();
    this.app.refit = false;
    this.applyRange();
    this.highlight(this.app.byKey?.get(this.app.selected));
  }

  /** Markers sit at world * k inside a group translated by (tx, ty): panning moves the
   * group only; zooming moves each marker once. */
  placeMarkers() {
    const shift = `translate(${this.tx.toFixed(1)} ${this.ty.toFixed(1)})`;
    this.gMarkers.setAttribute("transform", shift);
    this.gLabels.setAttribute("transform", shift);
    if (this.placedAt !== this.k) {
      this.placedAt = this.k;
      for (const circle of this.markers.values()) {
        const [wx, wy] = circle.world;
        let x = wx * this.k;
        let y = wy * this.k;
        const { i, n } = circle.ring;
        if (n > 1) {
          const r = Math.max(7, n * 2.2);
          x += r * Math.cos((2 * Math.PI * i) / n);
          y += r * Math.sin((2 * Math.PI * i) / n);
        }
        circle.setAttribute("cx", x.toFixed(1));
        circle.setAttribute("cy", y.toFixed(1));
      }
    }
    // names of the 30 heaviest places in view; only those labels are touched
    const shown = new Set();
    for (const p of this.labels) {
      if (shown.size >= 30) break;
      const x = p.world[0] * this.k;
      const y = p.world[1] * this.k;
      if (x + this.tx < 0 || y + this.ty < 0 || x + this.tx > this.width || y + this.ty > this.height) continue;
      shown.add(p);
      p.el.setAttribute("x", (x + 9).toFixed(1));
      p.el.setAttribute("y", (y - 8).toFixed(1));
    }
    for (const p of this.shownLabels || []) if (!shown.has(p)) p.el.classList.add("off");
    for (const p of shown) p.el.classList.remove("off");
    this.shownLabels = shown;
  }

  applyRange() {
    if (!this.app.range && !this.rangeShown) return;
    this.rangeShown = Boolean(this.app.range);
    for (const [key, circle] of this.markers) {
      const e = this.app.byKey.get(key);
      circle.classList.toggle("out-of-range", !this.app.inRange(e));
    }
  }

  highlight(event) {
    for (const c of this.gMarkers.querySelectorAll(".selected")) c.classList.remove("selected");
    if (!event) return;
    const circle = this.markers.get(eventKey(event));
    if (circle) {
      circle.classList.add("selected");
      this.gMarkers.append(circle); // on top
    }
  }

  renderLegend() {
    const present = new Set(this.app.events.map((e) => e.event_type));
    const types = Object.keys(TYPE_COLORS).filter((t) => present.has(t));
    const sizes = [1, 10, 100].map((n) =>
      h(
        "span",
        { class: "size" },
        h("span", { class: "dot", dataset: { r: String(Math.round(radius(n))) } }),
        fmtNumber(n),
      ),
    );
    this.legend.replaceChildren();
    append(this.legend, [
      ...types.map((t) => h("div", { class: "legend-type" }, h("span", { class: "swatch", dataset: { type: t } }), t)),
      types.length ? h("div", { class: "legend-sizes", title: "Marker size: fatalities" }, "fatalities ", ...sizes) : null,
    ]);
    // colours and sizes through CSSOM (allowed by the page's CSP, unlike style attributes)
    for (const s of this.legend.querySelectorAll(".swatch")) s.style.background = typeColor(s.dataset.type);
    for (const d of this.legend.querySelectorAll(".dot")) {
      const px = `${2 * Number(d.dataset.r)}px`;
      d.style.width = px;
      d.style.height = px;
    }
  }
}
