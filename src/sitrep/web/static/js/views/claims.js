// The claims view: who says what, who supports it and who refutes it, with the sentence
// for each. Follows the actor and text filters and the timeline's period.

import { h, truncate } from "../dom.js";
import { getAll } from "../api.js";

const name = (ref) => (ref ? ref.name || ref.text || "?" : "?");

function stanceList(claim, stance, label) {
  const stances = (claim.stances || []).filter((s) => s.stance === stance);
  if (!stances.length) return null;
  return h(
    "div",
    { class: `stances stances-${stance}` },
    h("span", { class: "stance-label" }, label),
    h("ul", {}, stances.map((s) => h("li", {}, h("strong", {}, name(s.by)), s.evidence?.text ? ` — “${truncate(s.evidence.text, 200)}”` : ""))),
  );
}

export function claimCard(c, app) {
  const as = c.claimant?.text && c.claimant.text !== c.claimant.name ? ` (“${c.claimant.text}”)` : "";
  return h(
    "li",
    { class: "claim", dataset: { key: `${c.article_id}:${c.id}` } },
    h("div", { class: "row-head" }, h("span", { class: `status status-${c.status || "unverified"}` }, c.status || "unverified"), h("strong", {}, name(c.claimant)), as, c.cue ? ` ${c.cue}:` : ":"),
    h("blockquote", {}, c.text),
    stanceList(c, "supports", "supported by"),
    stanceList(c, "refutes", "refuted by"),
    h(
      "div",
      { class: "row-source" },
      h("button", { type: "button", class: "link", onclick: () => app.open("article", { id: c.article_id, claim: c.id }) }, c.article?.title || c.article_id),
      c.article?.published ? ` · ${c.article.published}` : "",
    ),
  );
}

export default {
  id: "claims",
  title: "Claims",

  mount(panel, app) {
    this.app = app;
    this.status = h(
      "select",
      { "aria-label": "Claim status", onchange: () => this.load() },
      h("option", { value: "" }, "any status"),
      ["unverified", "supported", "disputed", "denied"].map((s) => h("option", { value: s }, s)),
    );
    this.count = h("p", { class: "count" });
    this.list = h("ol", { class: "rows claims" });
    panel.append(h("div", { class: "view-tools" }, this.status, this.count), this.list);
    const reload = () => this.visible && this.load();
    app.on("filters", reload);
    app.on("range", reload);
  },

  show() {
    this.load();
  },

  async load() {
    const mine = (this.loading = (this.loading || 0) + 1);
    const f = this.app.filters;
    const range = this.app.range || [];
    try {
      const { items, total } = await getAll("/api/claims", { actor: f.actor, q: f.q, since: range[0], until: range[1], status: this.status.value, limit: 500 }, { max: 2000 });
      if (mine !== this.loading) return;
      this.count.textContent = `${total} claims${items.length < total ? ` (first ${items.length})` : ""}`;
      this.list.replaceChildren(...items.map((c) => claimCard(c, this.app)));
      if (!items.length) this.list.append(h("li", { class: "empty" }, "No claims for these filters."));
    } catch (err) {
      this.count.textContent = `Cannot load claims: ${err.message}`;
    }
  },
};
