import Fastify, { type FastifyBaseLogger, type FastifyRequest } from "fastify";
import { authenticateRequest } from "./api-auth.ts";
import { ChannelRegistry } from "./channels.ts";
import { createSandboxClock } from "./clock.ts";
import { completeConferences } from "./conference.ts";
import { installBodyParsers, installErrorHandling } from "./http-errors.ts";
import { createIdTokenSigner } from "./id-token.ts";
import { applyFields, parseFields } from "./partial-response.ts";
import { registerAdminRoutes } from "./routes-admin.ts";
import { registerAuthorizeRoutes } from "./routes-authorize.ts";
import { registerCalendarRoutes } from "./routes-calendars.ts";
import { registerEventRoutes } from "./routes-events.ts";
import { registerFreeBusyRoutes } from "./routes-freebusy.ts";
import { registerOidcRoutes } from "./routes-oidc.ts";
import { registerPushRoutes } from "./routes-push.ts";
import { registerTokenRoutes } from "./routes-token.ts";
import type { SandboxContext } from "./sandbox-context.ts";
import { type GoogleSeedInput, loadGoogleSeed } from "./seed-schema.ts";
import { GoogleSandboxState } from "./state.ts";

export type { GoogleSeedInput as GoogleSeed } from "./seed-schema.ts";
export type { GoogleSandboxState } from "./state.ts";

export interface GoogleSandboxOptions {
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  host?: string;
  /** A seed object or the path of a seed JSON file; default `sandbox/google/seed.json`. */
  seed?: GoogleSeedInput | string;
  /** Skip the consent page: authorize redirects at once for the `login_hint` account or the first one. */
  autoApprove?: boolean;
  /** Base clock (ms since epoch); `POST /_sandbox/clock` adds an offset on top of it. */
  clock?: () => number;
  /** A pino-compatible logger; silent when omitted. */
  logger?: FastifyBaseLogger;
  /**
   * ID tokens name the issuer without its scheme (`127.0.0.1:41234`), as Google documents it may
   * (`accounts.google.com` beside `https://accounts.google.com`).
   */
  bareIssuer?: boolean;
}

export interface GoogleSandbox {
  url: string;
  close(): Promise<void>;
  state: GoogleSandboxState;
}

/**
 * Starts the Google emulator: OAuth (`/o/oauth2/v2/auth`, `/token`, `/revoke`, OIDC discovery, JWKS,
 * userinfo), Calendar v3 under `/calendar/v3`, and the admin API under `/_sandbox/`, all on one origin
 * (real Google uses accounts.google.com, oauth2.googleapis.com and www.googleapis.com).
 */
export async function startGoogleSandbox(options: GoogleSandboxOptions = {}): Promise<GoogleSandbox> {
  const seed = await loadGoogleSeed(options.seed);
  const app = Fastify(options.logger ? { loggerInstance: options.logger } : { logger: false });
  const clock = createSandboxClock(options.clock);
  const channels = new ChannelRegistry({ clock: clock.now, log: app.log });
  const state = new GoogleSandboxState({ seed, clock, channels });
  let origin = "";
  const selections = new WeakMap<FastifyRequest, ReturnType<typeof parseFields>>();
  const context: SandboxContext = {
    state,
    signer: await createIdTokenSigner(),
    origin: () => origin,
    idTokenIssuer: () => (options.bareIssuer ? new URL(origin).host : origin),
    autoApprove: options.autoApprove ?? false,
  };

  installBodyParsers(app);
  installErrorHandling(app);
  registerAuthorizeRoutes(app, context);
  registerTokenRoutes(app, context);
  registerOidcRoutes(app, context);
  registerAdminRoutes(app, context);
  await app.register(
    async (api) => {
      // Authentication first (throttle rules may target one account), then injected faults.
      api.addHook("onRequest", async (request) => {
        const grant = authenticateRequest(state, request);
        if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
        const fault = state.throttle.take(grant.account);
        if (fault) throw fault;
        // Google makes Meet conferences in the background; the sandbox catches up before answering.
        completeConferences(state);
        const { fields } = request.query as { fields?: unknown };
        if (typeof fields === "string") selections.set(request, parseFields(fields));
      });
      // Partial responses apply to successful bodies only; errors keep their full envelope.
      api.addHook("preSerialization", async (request, reply, payload) => {
        const selection = selections.get(request);
        return selection && reply.statusCode < 300 ? applyFields(payload, selection) : payload;
      });
      registerCalendarRoutes(api, context);
      registerEventRoutes(api, context);
      registerPushRoutes(api, context);
      registerFreeBusyRoutes(api, context);
    },
    { prefix: "/calendar/v3" },
  );

  const host = options.host ?? "127.0.0.1";
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url: origin,
    state,
    close: async () => {
      await channels.close();
      await app.close();
    },
  };
}
