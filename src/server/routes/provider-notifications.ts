import rateLimit from "@fastify/rate-limit";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ChannelNotification, ProviderKind } from "../../core/sync/calendar-source.ts";
import { parseGoogleNotification } from "../../providers/google/google-notifications.ts";
import { parseGraphNotifications } from "../../providers/microsoft/graph-notifications.ts";
import { acceptNotifications, type PushIntakeDeps } from "../../sync/push-intake.ts";
import { AppError } from "../errors.ts";
import { type RateLimitStore, rateLimitPluginOptions } from "../rate-limit-store.ts";

/**
 * Push intake: `POST /webhooks/{provider}/notifications` and `/webhooks/{provider}/lifecycle`, public (no API key:
 * the provider calls them; each notification proves itself with its channel's secret), rate-limited per client.
 *
 * - Graph's validation handshake is a POST carrying `?validationToken=`: it is answered before the body is read,
 *   with the URL-decoded token as text/plain and 200 (an encoded echo fails; provider-protocols 2.12).
 * - Google's notifications are empty POSTs described by X-Goog-* headers; the first (`sync`) is only acknowledged.
 * - Notifications are answered 202 within Graph's 3 seconds: the work is queued, never done here. Rejected
 *   notifications also get 202, so a forger learns nothing and Graph does not retry them.
 */
type NotificationParser = (request: {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}) => { notifications: ChannelNotification[]; skipped: number } | null;

/** Graph puts its notifications in the JSON body; Google sends an empty body and puts everything in headers. */
const parsers: Partial<Record<ProviderKind, NotificationParser>> = {
  microsoft: ({ body }) => parseGraphNotifications(body),
  google: parseGoogleNotification,
};

/** Graph answers slow endpoints with throttled or dropped notifications; stay well inside its 3 seconds. */
const ANSWER_WITHIN_MS = 2_000;
const MAX_VALIDATION_TOKEN = 2_048;

export interface ProviderNotificationRouteDeps {
  intake: PushIntakeDeps;
  /** Requests per minute per client; false turns the limit off. */
  rateLimitPerMinute: number | false;
  /** Where the counters live: shared across processes with Redis (REDIS_URL), per process otherwise. */
  rateLimitStore?: RateLimitStore;
}

/** The handshake, when the request is one: echoes the decoded token (the query parser has decoded it). */
export async function answerValidation(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const query = request.query as Record<string, unknown> | undefined;
  if (!query || !("validationToken" in query)) return undefined;
  const token = query.validationToken;
  if (typeof token !== "string" || token.length > MAX_VALIDATION_TOKEN)
    throw new AppError("bad_request", "validationToken must be one token of at most 2048 characters");
  return reply
    .status(200)
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "no-store")
    .type("text/plain; charset=utf-8")
    .send(token);
}

export function providerNotificationRoutes(deps: ProviderNotificationRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(rateLimit, rateLimitPluginOptions(deps.rateLimitStore));
    const limit =
      deps.rateLimitPerMinute === false ? false : { max: deps.rateLimitPerMinute, timeWindow: 60_000 };
    for (const [provider, parse] of Object.entries(parsers) as Array<[ProviderKind, NotificationParser]>) {
      for (const path of [`/webhooks/${provider}/notifications`, `/webhooks/${provider}/lifecycle`]) {
        app.post(
          path,
          {
            config: { rateLimit: limit },
            schema: { hide: true },
            // Before the body is parsed: the validation POST is not a notification (text/plain, empty body).
            onRequest: answerValidation,
          },
          async (request, reply) => {
            const parsed = parse({ body: request.body, headers: request.headers });
            if (!parsed) {
              request.log.warn({ provider }, "push notification body not understood");
              throw new AppError("bad_request", "not a notification of this provider");
            }
            const work = acceptNotifications(deps.intake, { provider, notifications: parsed.notifications });
            const answered = await Promise.race([
              work.then(() => "done" as const),
              new Promise<"late">((resolve) => setTimeout(resolve, ANSWER_WITHIN_MS, "late").unref()),
            ]).catch((error: unknown) => {
              // Nothing was queued: answering an error makes the provider deliver it again.
              request.log.error({ err: error, provider }, "push notifications could not be recorded");
              return "failed" as const;
            });
            if (answered === "failed") throw new AppError("unavailable", "try again later");
            if (answered === "late")
              work.catch((error: unknown) =>
                request.log.error({ err: error, provider }, "push notifications could not be recorded"),
              );
            return reply.status(202).send();
          },
        );
      }
    }
  };
}
