import type { SeedAccount } from "./seed-schema.ts";

/**
 * The "Choose an account" consent page for interactive use (a browser or Playwright). Each account is a
 * submit button on a form that posts the original authorization parameters back to the approve route.
 */

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export function renderConsentPage(params: {
  accounts: SeedAccount[];
  query: Record<string, string>;
  clientId: string;
  scopes: string[];
}): string {
  const hidden = Object.entries(params.query)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n      ");
  const buttons = params.accounts
    .map(
      (account) =>
        `<button type="submit" name="account" value="${escapeHtml(account.email)}" class="account">` +
        `<strong>${escapeHtml(account.name)}</strong><br><span>${escapeHtml(account.email)}</span>` +
        `<small>${account.kind === "workspace" ? `Workspace (${escapeHtml(account.hd ?? "")})` : "Personal"}</small></button>`,
    )
    .join("\n      ");
  const scopes = params.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Google Accounts (Calbridge sandbox)</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}.account{display:block;width:100%;text-align:left;margin:.5rem 0;padding:.75rem}small{float:right;color:#666}</style>
</head>
<body>
  <h1>Choose an account</h1>
  <p>to continue to <code>${escapeHtml(params.clientId)}</code>. This is the Calbridge Google sandbox, not Google.</p>
  <p>The app asks for:</p><ul>${scopes}</ul>
  <form method="post" action="/o/oauth2/v2/auth/approve">
      ${hidden}
      ${buttons}
      <button type="submit" name="decision" value="deny">Cancel</button>
  </form>
</body>
</html>`;
}
