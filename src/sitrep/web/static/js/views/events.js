// The event list: the events the map shows (inside the visible area, within the timeline's
// period), biggest first; unlocated events below. Click one to open its evidence.

import { h, fmtInterval, fmtNumber, truncate } from "../dom.js";
import { eventKey } from "../state.js";
import { typeColor } from "../palette.js";

const SHOWN = 200;

function inBounds(e, b) {
  if (!b) return true;
  const { lat, lon } = e.location;
  return lat >= b[1] && lat <= b[3] && lon >= b[0] && lon <= b[2];
}

export function eventRow(e, app) {
  const key = eventKey(e);
  const dot = h("span", { class: "dot", dataset: { type: e.event_type } });
  dot.style.background = typeColor(e.event_type);
  const place = e.location ? [e.location.name || e.location.mention, e.location.country].filter(Boolean).join(", ") : "no location";
  const actors = [e.actor1?.name, e.actor2?.name].filter(Boolean).join(" vs ");
  const fat = e.fatalities?.total ? `${fmtNumber(e.fatalities.total)} killed` : "";
  return h(
    "li",
    {
      class: ["event-row", key === app.selected && "selected"],
      tabindex: 0,
      dataset: { key },
      onclick: () => app.select(key),
      onkeydown: (ev) => ev.key === "Enter" && app.select(key),
    },
    h("div", { class: "row-head" }, dot, h("strong", {}, e.sub_event_type || e.event_type), e.headline ? h("span", { class: "badge" }, "headline") : null, h("span", { class: "when" }, fmtInterval(e.date))),
    h("div", { class: "row-meta" }, [place, actors, fat].filter(Boolean).join(" · ")),
    h("div", { class: "row-evidence" }, truncate(e.evidence?.text, 220)),
    h("div", { class: "row-source" }, e.article?.title || e.article_id),
  );
}

export default {
  id: "events",
  title: "Events",

  mount(panel, app) {
    this.app = app;
    this.count = h("p", { class: "count" });
    this.list = h("ol", { class: "rows" });
    this.unlocated = h("details", { class: "unlocated" });
    panel.append(this.count, this.list, this.unlocated);
    const refresh = () => this.render();
    for (const name of ["events", "range", "view"]) app.on(name, refresh);
    app.on("select", () => {
      for (const li of this.list.querySelectorAll("li")) li.classList.toggle("selected", li.dataset.key === app.selected);
    });
  },

  show() {
    this.render();
  },

  render() {
    const app = this.app;
    const current = app.current();
    const located = current.filter((e) => e.location && e.location.lat != null && e.location.lon != null);
    const inView = located.filter((e) => inBounds(e, app.bounds));
    const unlocated = current.filter((e) => !located.includes(e));
    inView.sort((a, b) => (b.fatalities?.total || 0) - (a.fatalities?.total || 0) || (b.date?.start || "").localeCompare(a.date?.start || ""));
    const more = app.truncated ? ` (first ${fmtNumber(app.events.length)} of ${fmtNumber(app.total)} loaded)` : "";
    this.count.textContent = `${fmtNumber(inView.length)} events in the map's view, of ${fmtNumber(located.length)} located${more}`;
    this.list.replaceChildren(...inView.slice(0, SHOWN).map((e) => eventRow(e, app)));
    if (inView.length > SHOWN) this.list.append(h("li", { class: "more" }, `… ${fmtNumber(inView.length - SHOWN)} more: zoom in or filter`));
    this.unlocated.hidden = !unlocated.length;
    this.unlocated.replaceChildren(
      h("summary", {}, `${fmtNumber(unlocated.length)} ${unlocated.length === 1 ? "event" : "events"} without a location`),
      h("ol", { class: "rows" }, unlocated.slice(0, SHOWN).map((e) => eventRow(e, app))),
    );
  },
};
