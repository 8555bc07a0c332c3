import type { Mailbox } from "./model.ts";

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * The sandbox's stand-in for the Microsoft sign-in and consent screens: pick a seeded account and
 * accept, or cancel (which redirects with error=access_denied). Choices are GET links that replay the
 * original authorize query plus `sandbox_account` or `sandbox_decision=deny`.
 */
export function renderConsentPage(params: {
  appName: string;
  scopes: string[];
  accounts: Mailbox[];
  query: URLSearchParams;
  path: string;
}): string {
  const link = (extra: Record<string, string>) => {
    const query = new URLSearchParams(params.query);
    for (const [key, value] of Object.entries(extra)) query.set(key, value);
    return escapeHtml(`${params.path}?${query.toString()}`);
  };
  const accounts = params.accounts
    .map(
      (account) =>
        `<li><a class="account" href="${link({ sandbox_account: account.id })}">${escapeHtml(account.displayName)} ` +
        `&lt;${escapeHtml(account.userPrincipalName)}&gt;</a> <small>${account.kind === "personal" ? "Personal account" : "Work or school account"}</small></li>`,
    )
    .join("\n");
  const scopes = params.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox: sign in to ${escapeHtml(params.appName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto}.badge{background:#fde68a;padding:.1rem .4rem;border-radius:.3rem}li{margin:.4rem 0}</style>
</head><body>
<p><span class="badge">Sandbox</span> Microsoft identity emulator: no real account is used.</p>
<h1>${escapeHtml(params.appName)} wants to</h1>
<ul>${scopes}</ul>
<h2>Pick an account to accept</h2>
<ul>${accounts || "<li>No account can sign in through this tenant.</li>"}</ul>
<p><a id="cancel" href="${link({ sandbox_decision: "deny" })}">Cancel</a></p>
</body></html>`;
}

/** response_mode=form_post: the browser POSTs the result to the redirect URI. */
export function renderFormPost(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  return `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`;
}
