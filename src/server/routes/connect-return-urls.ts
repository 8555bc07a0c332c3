/**
 * The tenant's allow-list for the OAuth flow's `returnUrl`: the browser is only ever sent back to a URL that starts
 * with one of the tenant's registered prefixes (same scheme, host and port, and a path under the prefix's path), so
 * the callback can't be used as an open redirect. Plain http is accepted only for loopback development hosts.
 */
const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function checkReturnUrlPrefix(
  raw: string,
): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: `"${raw.slice(0, 200)}" is not an absolute URL` };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback.has(url.hostname)))
    return { ok: false, message: `"${raw.slice(0, 200)}" must use https (http only for localhost)` };
  if (url.username || url.password) return { ok: false, message: "a return URL cannot carry credentials" };
  if (url.hash) return { ok: false, message: "a return URL cannot have a fragment" };
  return { ok: true, url: url.href };
}

export function returnUrlAllowed(
  raw: string,
  prefixes: readonly string[],
): { ok: true; url: string } | { ok: false; message: string } {
  const checked = checkReturnUrlPrefix(raw);
  if (!checked.ok) return checked;
  const url = new URL(checked.url);
  for (const prefix of prefixes) {
    const allowed = new URL(prefix);
    const base = allowed.pathname.endsWith("/") ? allowed.pathname : `${allowed.pathname}/`;
    if (
      url.origin === allowed.origin &&
      (url.pathname === allowed.pathname || url.pathname.startsWith(base) || allowed.pathname === "/")
    ) {
      return { ok: true, url: url.href };
    }
  }
  return {
    ok: false,
    message:
      prefixes.length === 0
        ? "the tenant has no connectReturnUrls yet: add the app's settings page with PATCH /v1/tenant"
        : "not under any of the tenant's connectReturnUrls (PATCH /v1/tenant)",
  };
}
