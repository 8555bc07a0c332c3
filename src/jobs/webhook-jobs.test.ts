import pino from "pino";
import { describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import type { DeliveryResult } from "../notify/webhooks/deliver-webhook.ts";
import { generateKeySpec, parseKeyRing } from "../secrets/key-ring.ts";
import { startJobEngine } from "./job-engine.ts";
import {
  decideNext,
  enqueueWebhookDeliveries,
  registerWebhookJobs,
  WEBHOOK_DELIVER_QUEUE,
  WEBHOOK_SWEEP_QUEUE,
} from "./webhook-jobs.ts";

const answer = (overrides: Partial<DeliveryResult>): DeliveryResult => ({
  ok: false,
  status: 500,
  durationMs: 3,
  responseExcerpt: null,
  retryable: true,
  endpointGone: false,
  ...overrides,
});

describe("decideNext", () => {
  const retryDelay = ({ failedAttempts, retryAfterMs }: { failedAttempts: number; retryAfterMs?: number }) =>
    Math.max(failedAttempts * 1_000, retryAfterMs ?? 0);

  it.each([
    ["a 2xx", answer({ ok: true, status: 204, retryable: false }), 1, { status: "succeeded" }],
    ["a 500 on the first attempt", answer({}), 1, { status: "pending", retryInMs: 1_000 }],
    [
      "a 429 asking for longer",
      answer({ status: 429, retryAfterMs: 60_000 }),
      2,
      { status: "pending", retryInMs: 60_000 },
    ],
    ["a 500 on the eighth attempt", answer({}), 8, { status: "failed" }],
    ["a 400", answer({ status: 400, retryable: false }), 1, { status: "failed" }],
    ["a 410", answer({ status: 410, retryable: false, endpointGone: true }), 1, { status: "failed" }],
  ])("after %s", (_, result, attempts, expected) => {
    expect(decideNext({ result, attempts, retryDelay })).toEqual(expected);
  });

  it("fails when the injected schedule gives up early", () => {
    expect(decideNext({ result: answer({}), attempts: 2, retryDelay: () => undefined })).toEqual({
      status: "failed",
    });
  });
});

describe.each(backends)("webhook queues on %s", (backend) => {
  it("keep one queued job per delivery and schedule the sweeper every minute", async () => {
    const { store, databaseUrl, dispose } = await openTestStore(backend);
    const logger = pino({ level: "silent" });
    // A slow poll: the first fetch happens at registration, so jobs sent afterwards stay queued during the test.
    const jobs = await startJobEngine({ store, databaseUrl, logger, pollingIntervalSeconds: 300 });
    try {
      await registerWebhookJobs({ jobs, db: store.db, keyRing: parseKeyRing(generateKeySpec("k")), logger });
      const id = "0b6f4f52-7a43-4c8e-9a51-5d0f7d1f6b21";
      await enqueueWebhookDeliveries(jobs, [id, id]);
      await enqueueWebhookDeliveries(jobs, [id]);
      const { rows } = await store.executeSql(
        "select count(*)::int as queued from pgboss.job where name = $1 and singleton_key = $2 and state = 'created'",
        [WEBHOOK_DELIVER_QUEUE, id],
      );
      expect(rows[0]?.queued).toBe(1);
      const schedules = (await jobs.boss.getSchedules()) as Array<{ name: string; cron: string }>;
      expect(schedules).toContainEqual(
        expect.objectContaining({ name: WEBHOOK_SWEEP_QUEUE, cron: "* * * * *" }),
      );
    } finally {
      await jobs.stop({ timeoutMs: 5_000 });
      await dispose();
    }
  });
});
