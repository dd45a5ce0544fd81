// The page's only way to the data: the REST API, with its one error shape.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function urlOf(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

export async function getJSON(path, params) {
  const response = await fetch(urlOf(path, params), { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new ApiError(response.status, error.code || "http", error.message || response.statusText);
  }
  return body;
}

/** Every page of a list endpoint (following `next`), up to `max` items. */
export async function getAll(path, params, { max = 20000 } = {}) {
  const items = [];
  let page = await getJSON(path, params);
  items.push(...page.items);
  while (page.next && items.length < max) {
    page = await getJSON(page.next);
    items.push(...page.items);
  }
  return { items: items.slice(0, max), total: page.total, truncated: items.length < page.total };
}
