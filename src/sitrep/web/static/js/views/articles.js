// The article list: every stored article, newest first, 100 at a time.

import { h, fmtNumber } from "../dom.js";
import { getJSON } from "../api.js";

export default {
  id: "articles",
  title: "Articles",

  mount(panel, app) {
    this.app = app;
    this.count = h("p", { class: "count" });
    this.list = h("ol", { class: "rows" });
    this.more = h("button", { type: "button", class: "link", hidden: true, onclick: () => this.page(this.next) }, "more");
    panel.append(this.count, this.list, this.more);
    app.on("filters", () => this.visible && this.load());
  },

  show() {
    this.load();
  },

  load() {
    this.list.replaceChildren();
    const range = this.app.range || [];
    this.page(null, { q: this.app.filters.q, since: range[0], until: range[1], limit: 100 });
  },

  async page(next, params) {
    try {
      const page = await getJSON(next || "/api/articles", next ? undefined : params);
      this.count.textContent = `${fmtNumber(page.total)} articles`;
      for (const a of page.items) {
        const errors = a.errors?.length ? h("span", { class: "badge warn", title: a.errors.map((e) => `${e.code}: ${e.message}`).join("\n") }, `${a.errors.length} errors`) : null;
        this.list.append(
          h(
            "li",
            { class: "article-row", tabindex: 0, dataset: { id: a.id }, onclick: () => this.app.open("article", { id: a.id }), onkeydown: (ev) => ev.key === "Enter" && this.app.open("article", { id: a.id }) },
            h("div", { class: "row-head" }, h("strong", {}, a.title || a.id), h("span", { class: "when" }, a.published || "")),
            h("div", { class: "row-meta" }, [a.source, `${fmtNumber(a.n_events)} events`].filter(Boolean).join(" · "), " ", errors),
          ),
        );
      }
      this.next = page.next;
      this.more.hidden = !page.next;
    } catch (err) {
      this.count.textContent = `Cannot load articles: ${err.message}`;
    }
  },
};
