import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { registerAdminRoutes } from "./admin-routes.ts";
import { handleAuthorize } from "./authorize-route.ts";
import { handleBatch } from "./batch-route.ts";
import { registerCalendarViewRoutes } from "./calendar-view-routes.ts";
import { createSandboxClock } from "./clock.ts";
import type { GraphContext, SandboxContext } from "./context.ts";
import { registerDeltaRoutes } from "./delta-routes.ts";
import { handleDiscovery, handleJwks } from "./discovery-routes.ts";
import { registerEventRoutes } from "./event-routes.ts";
import { handleGraph } from "./graph-pipeline.ts";
import { Router, type SandboxReply } from "./http-kit.ts";
import { createSigningKeys } from "./identity-keys.ts";
import { newGuid } from "./ids.ts";
import { registerPlacesRoutes } from "./places-routes.ts";
import { renderReply, renderThrown } from "./reply.ts";
import { registerResponseRoutes } from "./response-routes.ts";
import { registerScheduleRoutes } from "./schedule-route.ts";
import { loadSeed, type MicrosoftSeed, readSeed } from "./seed.ts";
import { MicrosoftSandboxState } from "./state.ts";
import { registerSubscriptionRoutes } from "./subscription-routes.ts";
import { DEFAULT_TIMING, type NotificationTiming, SubscriptionManager } from "./subscriptions.ts";
import { ConcurrencyGate } from "./throttling.ts";
import { handleToken } from "./token-route.ts";
import { registerUserRoutes } from "./user-routes.ts";

export type { MicrosoftSeed } from "./seed.ts";

export interface MicrosoftSandboxOptions {
  port?: number;
  host?: string;
  /** A seed object or a path to a seed JSON file; defaults to the shipped seed.json. */
  seed?: MicrosoftSeed | string;
  /** Skip the consent page and sign in the first eligible (or login_hint) account. */
  autoApprove?: boolean;
  /** Base clock (ms since epoch); `/_sandbox/clock` moves the sandbox's clock forward from it. */
  clock?: () => number;
  https?: { key: string | Buffer; cert: string | Buffer };
  logger?: { info: (message: string) => void };
  /** Notification timeouts and redelivery schedule (defaults: 10 s, 3 s, [1 s, 5 s, 30 s]). */
  notificationTiming?: Partial<NotificationTiming>;
}

export interface MicrosoftSandbox {
  url: string;
  state: MicrosoftSandboxState;
  subscriptions: SubscriptionManager;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function identityRouter(): Router<SandboxContext> {
  return new Router<SandboxContext>()
    .add("GET", "/:tenant/oauth2/v2.0/authorize", handleAuthorize)
    .add("POST", "/:tenant/oauth2/v2.0/token", handleToken)
    .add("GET", "/:tenant/v2.0/.well-known/openid-configuration", handleDiscovery)
    .add("GET", "/:tenant/discovery/v2.0/keys", handleJwks);
}

function graphRouter(): Router<GraphContext> {
  const router = new Router<GraphContext>();
  registerUserRoutes(router);
  registerEventRoutes(router);
  registerResponseRoutes(router);
  registerCalendarViewRoutes(router);
  registerDeltaRoutes(router);
  registerScheduleRoutes(router);
  registerPlacesRoutes(router);
  registerSubscriptionRoutes(router);
  return router;
}

/** Starts the Microsoft identity + Graph emulator; identity and Graph share one origin. */
export async function startMicrosoftSandbox(
  options: MicrosoftSandboxOptions = {},
): Promise<MicrosoftSandbox> {
  const seed = readSeed(options.seed);
  const state = new MicrosoftSandboxState(createSandboxClock(options.clock));
  const subscriptions = new SubscriptionManager(state, { ...DEFAULT_TIMING, ...options.notificationTiming });
  loadSeed(state, structuredClone(seed));
  const keys = await createSigningKeys();
  const identity = identityRouter();
  const graph = graphRouter();
  const admin = new Router<SandboxContext>();
  registerAdminRoutes(admin, () => {
    subscriptions.subscriptions.clear();
    loadSeed(state, structuredClone(seed));
  });
  const gate = new ConcurrencyGate();
  let origin = "";

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const requestId = newGuid();
    const clientRequestId = String(req.headers["client-request-id"] ?? requestId);
    const request = {
      method: req.method ?? "GET",
      url,
      headers: req.headers,
      rawBody: await readBody(req),
      params: {},
      requestId,
      clientRequestId,
    };
    const ctx: SandboxContext = {
      req: request,
      state,
      origin,
      keys,
      autoApprove: options.autoApprove ?? false,
      subscriptions,
    };
    const kind = url.pathname.startsWith("/v1.0")
      ? "graph"
      : url.pathname.startsWith("/_sandbox/")
        ? "admin"
        : "identity";
    try {
      let reply: SandboxReply;
      if (kind === "graph" && request.method === "POST" && /^\/v1\.0\/\$batch$/i.test(url.pathname)) {
        reply = await handleBatch(ctx, (sub) => handleGraph(sub, graph, gate));
      } else if (kind === "graph") {
        reply = await handleGraph(ctx, graph, gate);
      } else {
        const match = (kind === "admin" ? admin : identity).match(request.method, url.pathname);
        if (match.kind !== "found") {
          reply = {
            status: match.kind === "not-found" ? 404 : 405,
            body: { error: "not_found", error_description: `No route for ${request.method} ${url.pathname}` },
          };
        } else {
          request.params = match.params;
          reply = await match.handler(ctx);
        }
      }
      renderReply(res, reply, request);
    } catch (error) {
      renderThrown({ res, error, request, nowMs: state.now() });
    }
    options.logger?.info(`${request.method} ${url.pathname}${url.search} -> ${res.statusCode}`);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server = options.https ? createHttpsServer(options.https, listener) : createHttpServer(listener);
  // A listen failure (EADDRINUSE) rejects here; without the listener it would be an uncaught 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  origin = `${options.https ? "https" : "http"}://${host}:${address.port}`;
  return {
    url: origin,
    state,
    subscriptions,
    close: async () => {
      await subscriptions.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
