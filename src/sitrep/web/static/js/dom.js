// Building the page from data without ever parsing data as HTML: text goes in as text
// nodes, attributes through setAttribute, links only when they are http(s). Article text
// is untrusted; nothing here can turn it into markup or script.

const SVG_NS = "http://www.w3.org/2000/svg";

export function safeHref(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) {
      if (typeof value === "function") el.addEventListener(key.slice(2), value);
      continue; // never a string handler
    }
    if (key === "style" || key === "innerHTML") continue;
    if (key === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "href") {
      const href = safeHref(value) ?? (String(value).startsWith("#") ? String(value) : null);
      if (href) el.setAttribute("href", href);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
}

/** Append children (nodes, text, nested arrays; null and false are skipped). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h("a", {href, class}, "text", otherNode) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function fmtNumber(n) {
  return n === null || n === undefined ? "" : Number(n).toLocaleString("en");
}

/** "2017-06-05 – 2017-06-11" or a single day. */
export function fmtInterval(date) {
  if (!date || !date.start) return "";
  return date.end && date.end !== date.start ? `${date.start} – ${date.end}` : date.start;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function truncate(text, n) {
  if (!text) return "";
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
