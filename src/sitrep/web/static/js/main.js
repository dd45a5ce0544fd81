// The page: filters, map and timeline on the left; views in tabs on the right.
//
// A view is a module exporting {id, title, mount(panel, app), show(params)}; add it to
// VIEWS and it gets a tab, a panel and a URL (#view=<id>&...). A cluster view, say, is one
// more module here that reads the API and calls app.open("article", {...}) or
// app.select(key) to link back to the evidence. See docs/web.md.

import { h } from "./dom.js";
import { getJSON, getAll } from "./api.js";
import { App } from "./state.js";
import { EventMap } from "./map.js";
import { Timeline } from "./timeline.js";
import { mountFilters } from "./filters.js";
import eventsView from "./views/events.js";
import articleView from "./views/article.js";
import claimsView from "./views/claims.js";
import articlesView from "./views/articles.js";

export const VIEWS = [eventsView, articleView, claimsView, articlesView];

const app = new App();
window.sitrep = app; // for the console and for tests
const status = document.getElementById("status");

function setStatus(text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}

function mountViews() {
  const tabs = document.getElementById("tabs");
  const panels = document.getElementById("panels");
  const byId = new Map();
  for (const view of VIEWS) {
    const tab = h("button", { type: "button", role: "tab", id: `tab-${view.id}`, "aria-controls": `panel-${view.id}`, "aria-selected": "false", onclick: () => app.open(view.id) }, view.title);
    const panel = h("div", { role: "tabpanel", id: `panel-${view.id}`, class: `panel panel-${view.id}`, "aria-labelledby": `tab-${view.id}`, hidden: true });
    tabs.append(tab);
    panels.append(panel);
    view.mount(panel, app);
    byId.set(view.id, { view, tab, panel });
  }
  let current = null;
  app.on("open", ({ view: id, params }) => {
    const entry = byId.get(id);
    if (!entry) return;
    for (const { view, tab, panel } of byId.values()) {
      const on = view.id === id;
      view.visible = on;
      tab.setAttribute("aria-selected", String(on));
      panel.hidden = !on;
    }
    current = id;
    const hash = new URLSearchParams({ view: id, ...Object.fromEntries(Object.entries(params || {}).filter(([, v]) => v != null && v !== "")) });
    if (window.location.hash.slice(1) !== hash.toString()) history.replaceState(null, "", `#${hash}`);
    entry.panel.scrollTop = 0;
    entry.view.show(params || {});
  });
  return () => current;
}

function route() {
  const params = Object.fromEntries(new URLSearchParams(window.location.hash.slice(1)));
  const view = params.view || "events";
  delete params.view;
  app.open(view, params);
}

let loading = 0;

async function loadEvents() {
  const mine = ++loading; // filters can change while a load runs: only the latest one counts
  setStatus("loading events…");
  try {
    const { items, total, truncated } = await getAll("/api/events", { ...app.filters, limit: 1000 }, { max: 20000 });
    if (mine !== loading) return;
    app.setEvents(items, total, truncated);
    const located = items.filter((e) => e.location && e.location.lat != null).length;
    setStatus(`${total} events (${located} on the map) · ${app.info.articles} articles · ${app.info.claims} claims`);
  } catch (err) {
    if (mine === loading) setStatus(`cannot load events: ${err.message}`, true);
  }
}

async function boot() {
  try {
    [app.info, app.facets] = await Promise.all([getJSON("/api/info"), getJSON("/api/facets")]);
  } catch (err) {
    setStatus(`cannot reach the API: ${err.message}`, true);
    return;
  }
  mountFilters(document.getElementById("filters"), app);
  new EventMap(document.getElementById("map"), app, app.info.tiles);
  new Timeline(document.getElementById("timeline"), app);
  mountViews();
  app.on("filters", loadEvents);
  window.addEventListener("hashchange", route);
  await loadEvents();
  route();
  document.body.dataset.ready = "true";
}

boot();
