// The article view: the article's text with every extracted value highlighted at its
// evidence span (events and claims as sentences; places, actors, dates and figures as
// words). Hovering a highlight shows what was extracted there. The text is untrusted and
// goes into the page only as text nodes.

import { h, append, fmtInterval, fmtNumber, safeHref, truncate } from "../dom.js";
import { getJSON } from "../api.js";
import { typeColor } from "../palette.js";

const KINDS = {
  event: "events",
  claim: "claims",
  stance: "stances",
  place: "places",
  actor: "actors",
  date: "dates",
  figure: "figures",
};

const name = (ref) => (ref ? ref.name || ref.text || "?" : "");

function validSpan(s, length) {
  return s && Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end > s.start && s.end <= length;
}

function fatalities(f) {
  if (!f) return "";
  const parts = ["total", "civilians", "children", "women", "combatants"].filter((k) => f[k] != null).map((k) => `${k} ${fmtNumber(f[k])}`);
  return parts.join(", ");
}

function placeLabel(p) {
  if (!p) return "";
  const where = [p.name, p.admin1, p.country].filter(Boolean).join(", ");
  const at = p.lat != null && p.lon != null ? ` (${Number(p.lat).toFixed(3)}, ${Number(p.lon).toFixed(3)})` : "";
  return `${where}${at}`;
}

/** Every value of the record that has a span, as {kind, key, start, end, lines}. */
export function annotations(record) {
  const text = record.text || "";
  const out = [];
  const add = (kind, key, span, lines) => {
    if (validSpan(span, text.length)) out.push({ kind, key, start: span.start, end: span.end, lines: lines.filter(Boolean) });
  };
  for (const e of record.events || []) {
    const lines = [
      `Event ${e.id}${e.headline ? " (headline)" : ""}: ${e.event_type} › ${e.sub_event_type}`,
      e.method ? `method: ${e.method}` : "",
      e.date ? `date: ${fmtInterval(e.date)} (${e.date.precision || "?"}${e.date.text ? `, "${e.date.text}"` : ""})` : "",
      e.location ? `place: ${placeLabel(e.location)}` : "",
      e.actor1 ? `actor 1: ${name(e.actor1)}${e.actor1.type ? ` (${e.actor1.type})` : ""}` : "",
      e.actor2 ? `actor 2: ${name(e.actor2)}${e.actor2.type ? ` (${e.actor2.type})` : ""}` : "",
      fatalities(e.fatalities) ? `fatalities: ${fatalities(e.fatalities)}` : "",
      e.injured != null ? `injured: ${fmtNumber(e.injured)}` : "",
      e.displaced != null ? `displaced: ${fmtNumber(e.displaced)}` : "",
      e.modality && e.modality !== "asserted" ? `modality: ${e.modality}` : "",
      e.attributed_to ? `according to: ${name(e.attributed_to)}` : "",
      e.confidence != null ? `confidence: ${e.confidence}` : "",
      ...(e.conflicts || []).map((c) => `differs: ${Object.entries(c).map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ")}`),
    ];
    add("event", `event:${e.id}`, e.evidence, lines);
    for (const m of e.mentions || []) {
      if (!e.evidence || m.start !== e.evidence.start) add("event", `event:${e.id}`, m, [`Event ${e.id} mentioned again: ${e.sub_event_type}`]);
    }
    if (e.date && Number.isInteger(e.date.char_start)) {
      add("date", `event:${e.id}`, { start: e.date.char_start, end: e.date.char_end }, [
        `Date of event ${e.id}: ${fmtInterval(e.date)} (${e.date.precision || "?"})`,
      ]);
    }
  }
  for (const c of record.claims || []) {
    const by = (stance) => (c.stances || []).filter((s) => s.stance === stance).map((s) => name(s.by));
    add("claim", `claim:${c.id}`, c.evidence, [
      `Claim ${c.id} by ${name(c.claimant)}${c.cue ? ` (${c.cue})` : ""}: ${c.status || "unverified"}`,
      `“${truncate(c.text, 160)}”`,
      by("supports").length ? `supported by: ${by("supports").join(", ")}` : "",
      by("refutes").length ? `refuted by: ${by("refutes").join(", ")}` : "",
    ]);
    for (const s of c.stances || []) {
      add("stance", `claim:${c.id}`, s.evidence, [`${name(s.by)} ${s.stance} claim ${c.id}`, `“${truncate(c.text, 120)}”`]);
    }
  }
  (record.places || []).forEach((p, i) => {
    add("place", `place:${i}`, p, [
      `Place “${p.mention}”: ${placeLabel(p)}`,
      [p.feature, p.geonameid ? `GeoNames ${p.geonameid}` : "", p.score != null ? `score ${Number(p.score).toFixed(2)}` : ""].filter(Boolean).join(" · "),
    ]);
  });
  (record.actors || []).forEach((a, i) => {
    for (const m of a.mentions || []) {
      add("actor", `actor:${i}`, m, [`Actor “${m.text}”: ${a.name}${a.id ? "" : " (not in the actor list)"}`, a.type ? `type: ${a.type}` : ""]);
    }
  });
  (record.figures || []).forEach((f, i) => {
    // the quantity itself; else its words found inside the sentence it came from
    let span = Number.isInteger(f.start) ? { start: f.start, end: f.end } : null;
    if (!span && f.evidence && f.text) {
      const at = text.slice(f.evidence.start, f.evidence.end).indexOf(f.text);
      if (at >= 0) span = { start: f.evidence.start + at, end: f.evidence.start + at + f.text.length };
    }
    add("figure", `figure:${i}`, span, [
      `Figure: ${[f.qualifier, fmtNumber(f.value), f.unit].filter(Boolean).join(" ")}${f.approximate ? " (approximate)" : ""}`,
      f.what ? `what: ${f.what}` : "",
      f.source ? `source: ${name(f.source)}` : "",
    ]);
  });
  return out;
}

/** The text cut at every span boundary; each piece knows the annotations covering it. */
export function segments(text, anns) {
  const cuts = new Set([0, text.length]);
  for (const a of anns) cuts.add(a.start).add(a.end);
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const covering = [];
    anns.forEach((a, j) => {
      if (a.start <= start && a.end >= end) covering.push(j);
    });
    out.push({ start, end, covering });
  }
  return out;
}

export default {
  id: "article",
  title: "Article",

  mount(panel, app) {
    this.app = app;
    this.panel = panel;
    this.card = document.getElementById("hovercard");
    panel.append(h("p", { class: "hint" }, "Click a marker, an event or a claim to read the article behind it."));
  },

  async show(params) {
    if (!params?.id) return;
    this.wanted = params; // a later click wins over a slower earlier answer
    try {
      if (this.record?.id !== params.id) {
        const record = await getJSON(`/api/articles/${encodeURIComponent(params.id)}`);
        if (this.wanted !== params) return;
        this.record = record;
      }
    } catch (err) {
      if (this.wanted !== params) return;
      this.panel.replaceChildren(h("p", { class: "error" }, `Cannot show article ${params.id}: ${err.message}`));
      return;
    }
    this.render(params.event ? `event:${params.event}` : params.claim ? `claim:${params.claim}` : null);
  },

  render(target) {
    const r = this.record;
    const text = r.text || "";
    this.anns = annotations(r);
    const body = h("div", { class: "article-text", lang: r.language || "en" });
    for (const seg of segments(text, this.anns)) {
      const piece = text.slice(seg.start, seg.end);
      if (!seg.covering.length) {
        body.append(document.createTextNode(piece));
        continue;
      }
      const kinds = new Set(seg.covering.map((j) => this.anns[j].kind));
      const keys = new Set(seg.covering.map((j) => this.anns[j].key));
      const span = h("span", { class: ["hl", ...[...kinds].map((k) => `hl-${k}`), target && keys.has(target) && "hl-current"], dataset: { ann: seg.covering.join(",") } }, piece);
      body.append(span);
    }
    const legend = h(
      "div",
      { class: "hl-legend" },
      Object.entries(KINDS).map(([kind, label]) => {
        const n = this.anns.filter((a) => a.kind === kind).length;
        if (!n) return null;
        const box = h("input", { type: "checkbox", checked: true });
        box.addEventListener("change", () => {
          body.classList.toggle(`hide-${kind}`, !box.checked);
        });
        return h("label", { class: `key key-${kind}` }, box, h("span", { class: `hl hl-${kind}` }, label), ` ${n}`);
      }),
    );
    const href = safeHref(r.url);
    const meta = [r.source, r.published, r.language].filter(Boolean).join(" · ");
    const errors = (r.errors || []).map((e) => h("li", {}, `${e.stage}: ${e.code}: ${e.message}`));
    this.panel.replaceChildren();
    append(this.panel, [
      h(
        "header",
        { class: "article-head" },
        h("h2", {}, r.title || "(untitled)"),
        h("p", { class: "meta" }, meta, href ? [" · ", h("a", { href, target: "_blank", rel: "noopener noreferrer" }, "original")] : null),
        h("p", { class: "meta id" }, `id ${r.id}`),
        r.credibility && r.credibility.score != null
          ? h("p", { class: "meta credibility" }, `credibility ${Number(r.credibility.score).toFixed(2)}`, (r.credibility.reasons || []).length ? `: ${r.credibility.reasons.join("; ")}` : "")
          : null,
      ),
      errors.length ? h("ul", { class: "errors" }, errors) : null,
      legend,
      body,
      this.summary(r),
    ]);
    this.bindHover(body);
    const current = body.querySelector(".hl-current");
    if (current) current.scrollIntoView({ block: "center" });
    this.showClusters(r);
  },

  /** The events this article shares with other reports (sitrep.corroborate): each cluster's
   * reports side by side, the details they agree on and those they contradict. */
  async showClusters(r) {
    let page;
    try {
      page = await getJSON("/api/clusters", { article: r.id, min_reports: 2, limit: 20 });
    } catch (err) {
      return; // a store without clusters: nothing to add
    }
    if (this.record !== r || !page.items.length) return;
    const rows = [
      ["outlet", (x) => x.source || "?"],
      ["published", (x) => x.published || ""],
      ["type", (x) => x.sub_event_type || ""],
      ["place", (x) => x.place || ""],
      ["date", (x) => fmtInterval(x.date)],
      ["perpetrator", (x) => x.actor1 || ""],
      ["toll", (x) => fatalities(x.figures)],
      ["according to", (x) => x.attributed_to || ""],
      ["sentence", (x) => truncate(x.evidence || "", 220)],
    ];
    const clusters = page.items.map((c) => {
      const reports = c.reports.filter((x) => !x.background || x.article_id === r.id);
      const head = h("tr", {}, h("th", {}), reports.map((x) => h("th", { class: x.article_id === r.id ? "this-article" : "" }, x.article_id === r.id ? "this article" : h("a", { href: `#view=article&id=${encodeURIComponent(x.article_id)}` }, x.source || x.article_id))));
      const body = rows.map(([label, get]) => h("tr", {}, h("th", {}, label), reports.map((x) => h("td", { class: x.article_id === r.id ? "this-article" : "" }, get(x)))));
      const verdict = [
        c.agree.length ? h("span", { class: "agree" }, `agree: ${c.agree.join(", ")}`) : null,
        c.conflict.length ? h("span", { class: "conflict" }, ` conflict: ${c.conflict.join(", ")}`) : null,
      ];
      return h(
        "div",
        { class: "cluster", dataset: { cluster: c.id } },
        h("h4", {}, `${c.sub_event_type || "event"} · ${c.location?.name || "?"} · ${fmtInterval(c.date)} · ${c.n_reports} reports from ${c.n_sources} outlets`),
        h("p", { class: "meta" }, verdict),
        h("div", { class: "cluster-table" }, h("table", {}, h("thead", {}, head), h("tbody", {}, body))),
      );
    });
    this.panel.append(h("section", { class: "clusters" }, h("h3", {}, `Reported elsewhere (${clusters.length})`), clusters));
  },

  /** What was found, as lists; each entry points at its span in the text. */
  summary(r) {
    const go = (key) => () => this.render(key);
    const item = (key, ...content) => h("li", { tabindex: 0, onclick: go(key), onkeydown: (ev) => ev.key === "Enter" && go(key)() }, ...content);
    const section = (title, items) => (items.length ? h("section", {}, h("h3", {}, `${title} (${items.length})`), h("ul", { class: "found" }, items)) : null);
    const events = (r.events || []).map((e) => {
      const dot = h("span", { class: "dot" });
      dot.style.background = typeColor(e.event_type);
      return item(`event:${e.id}`, dot, h("strong", {}, e.sub_event_type), ` ${fmtInterval(e.date)} ${e.location ? `· ${e.location.name}` : ""} ${e.fatalities?.total ? `· ${e.fatalities.total} killed` : ""}`);
    });
    const claims = (r.claims || []).map((c) => item(`claim:${c.id}`, h("strong", {}, name(c.claimant)), ` ${c.cue || ""}: “${truncate(c.text, 100)}” `, h("span", { class: `status status-${c.status}` }, c.status)));
    const places = (r.places || []).map((p, i) => item(`place:${i}`, h("strong", {}, p.mention), ` → ${placeLabel(p)}`));
    const actors = (r.actors || []).map((a, i) => item(`actor:${i}`, h("strong", {}, a.name), a.type ? ` (${a.type})` : "", ` × ${(a.mentions || []).length}`));
    const figures = (r.figures || []).map((f, i) => item(`figure:${i}`, h("strong", {}, [f.qualifier, fmtNumber(f.value)].filter(Boolean).join(" ")), ` ${f.unit || ""} ${f.what ? `· ${f.what}` : ""}`));
    return h("div", { class: "summary" }, section("Events", events), section("Claims", claims), section("Places", places), section("Actors", actors), section("Figures", figures));
  },

  bindHover(body) {
    const card = this.card;
    body.addEventListener("mouseover", (ev) => {
      const span = ev.target.closest?.(".hl[data-ann]");
      if (!span) return;
      const anns = span.dataset.ann.split(",").map((j) => this.anns[Number(j)]);
      // word-level values first: they are what the pointer is on
      anns.sort((a, b) => a.end - a.start - (b.end - b.start));
      card.replaceChildren(
        ...anns.map((a) => h("div", { class: `card-item card-${a.kind}` }, a.lines.map((line, i) => h(i ? "div" : "strong", {}, line)))),
      );
      card.hidden = false;
      const rect = span.getBoundingClientRect();
      const top = rect.bottom + 6 + card.offsetHeight > window.innerHeight ? rect.top - card.offsetHeight - 6 : rect.bottom + 6;
      card.style.left = `${Math.max(4, Math.min(rect.left, window.innerWidth - card.offsetWidth - 4))}px`;
      card.style.top = `${Math.max(4, top)}px`;
    });
    body.addEventListener("mouseout", (ev) => {
      if (!ev.relatedTarget || !body.contains(ev.relatedTarget) || !ev.relatedTarget.closest(".hl")) card.hidden = true;
    });
  },
};
