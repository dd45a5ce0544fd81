// The page's state and the events between its parts. Parts (map, timeline, filters,
// views) never call each other: they change the state here and listen to what changes.
//
// Events: "filters" (server-side filters changed), "events" (new events loaded),
// "range" (timeline brush), "view" (map moved: world bounds), "select" (an event chosen),
// "open" (a view asked to be shown).

export function eventKey(e) {
  return `${e.article_id}:${e.id}`;
}

export class App {
  constructor() {
    this.filters = { type: "", actor: "", country: "", q: "" };
    this.range = null; // [startISO, endISO] from the timeline brush, inclusive
    this.events = []; // events loaded for the current filters
    this.total = 0;
    this.truncated = false;
    this.selected = null; // key of the selected event
    this.bounds = null; // visible map area, in degrees: [minLon, minLat, maxLon, maxLat]
    this.info = null;
    this.facets = null;
    this.listeners = new Map();
  }

  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, []);
    this.listeners.get(name).push(fn);
  }

  emit(name, data) {
    for (const fn of this.listeners.get(name) || []) {
      try {
        fn(data);
      } catch (err) {
        console.error(`listener of ${name} failed`, err);
      }
    }
  }

  setFilters(changes) {
    this.filters = { ...this.filters, ...changes };
    this.emit("filters", this.filters);
  }

  setEvents(events, total, truncated) {
    this.events = events;
    this.total = total;
    this.truncated = truncated;
    this.byKey = new Map(events.map((e) => [eventKey(e), e]));
    this.emit("events", events);
  }

  setRange(range) {
    this.range = range;
    this.emit("range", range);
  }

  inRange(e) {
    if (!this.range) return true;
    const start = e.date?.start || e.article?.published;
    const end = e.date?.end || start;
    if (!start) return false;
    return start <= this.range[1] && end >= this.range[0];
  }

  /** Events after the timeline brush. */
  current() {
    return this.range ? this.events.filter((e) => this.inRange(e)) : this.events;
  }

  select(key) {
    this.selected = key;
    const event = this.byKey?.get(key) || null;
    this.emit("select", event);
    if (event) this.open("article", { id: event.article_id, event: event.id });
  }

  /** Ask for a view (article, claims, ...) to be shown with these parameters. */
  open(view, params = {}) {
    this.emit("open", { view, params });
  }
}
