import type { SandboxContext } from "./context.ts";
import { header } from "./http-kit.ts";
import { IdentityError } from "./identity-errors.ts";
import type { RegisteredApp } from "./model.ts";

/** Client authentication (reference 1.3): secret in the body or HTTP Basic; public clients send none. */
export function authenticateClient(ctx: SandboxContext, form: URLSearchParams): RegisteredApp {
  let clientId = form.get("client_id");
  let secret = form.get("client_secret");
  const basic = header(ctx.req, "authorization");
  if (basic?.startsWith("Basic ")) {
    const [id, pass] = Buffer.from(basic.slice(6), "base64").toString().split(":");
    clientId = decodeURIComponent(id ?? "");
    secret = decodeURIComponent(pass ?? "");
  }
  const app = ctx.state.apps.get(clientId ?? "");
  if (!app) {
    throw new IdentityError({
      error: "unauthorized_client",
      aadsts: 700016,
      message: `Application with identifier '${clientId}' was not found in the directory.`,
    });
  }
  if (form.get("client_assertion")) {
    throw new IdentityError({
      status: 401,
      error: "invalid_client",
      aadsts: 700027,
      message: "Client assertion failed signature validation (the sandbox accepts client secrets only).",
    });
  }
  if (app.kind !== "web") {
    if (secret) {
      throw new IdentityError({
        status: 401,
        error: "invalid_client",
        aadsts: 700025,
        message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      });
    }
    return app;
  }
  if (!secret) {
    throw new IdentityError({
      status: 401,
      error: "invalid_client",
      aadsts: 7000218,
      message:
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    });
  }
  if (secret !== app.clientSecret) {
    throw new IdentityError({
      status: 401,
      error: "invalid_client",
      aadsts: 7000215,
      message:
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" +
        app.clientId +
        "'.",
    });
  }
  return app;
}
