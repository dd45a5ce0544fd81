// The filter bar: event type, actor, country and text. These filters go to the API
// (server side); the timeline brush is applied in the page.

import { h, debounce } from "./dom.js";

export function mountFilters(form, app) {
  const facets = app.facets || { types: [], actors: [], countries: [] };
  const typeCount = new Map(facets.types.map((t) => [t.name, t.count]));
  const types = Object.keys(app.info?.event_types || {});
  const label = (text, control) => h("label", { class: "filter" }, h("span", { class: "filter-name" }, text), control);

  const type = h(
    "select",
    { name: "type" },
    h("option", { value: "" }, "all types"),
    types.map((t) => h("option", { value: t }, typeCount.has(t) ? `${t} (${typeCount.get(t)})` : t)),
  );
  const actor = h("input", { name: "actor", type: "search", list: "actor-names", placeholder: "any actor", autocomplete: "off" });
  const actors = h("datalist", { id: "actor-names" }, facets.actors.map((a) => h("option", { value: a.name }, `${a.count} events`)));
  const country = h(
    "select",
    { name: "country" },
    h("option", { value: "" }, "all countries"),
    facets.countries.map((c) => h("option", { value: c.name }, `${c.label || c.name} (${c.count})`)),
  );
  const q = h("input", { name: "q", type: "search", placeholder: "words in the evidence", autocomplete: "off" });
  const reset = h("button", { type: "reset" }, "reset");

  const apply = () => {
    const filters = { type: type.value, actor: actor.value.trim(), country: country.value, q: q.value.trim() };
    if (Object.entries(filters).every(([k, v]) => app.filters[k] === v)) return; // nothing changed
    app.refit = true;
    app.setFilters(filters);
  };
  const applySoon = debounce(apply, 350);
  type.addEventListener("change", apply);
  country.addEventListener("change", apply);
  actor.addEventListener("change", apply);
  actor.addEventListener("input", applySoon);
  q.addEventListener("input", applySoon);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    apply();
  });
  form.addEventListener("reset", () => setTimeout(apply, 0));

  form.replaceChildren(label("Type", type), label("Actor", actor), actors, label("Country", country), label("Text", q), reset);
}
