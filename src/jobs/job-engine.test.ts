import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { startJobEngine } from "./job-engine.ts";

const logger = pino({ level: "silent" });

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(backends)("job engine on %s", (backend) => {
  it("runs jobs, retries a failing one, and drains a running job on graceful stop", async () => {
    const { store, databaseUrl, dispose } = await openTestStore(backend);
    const jobs = await startJobEngine({
      store,
      databaseUrl,
      logger,
      schema: "pgboss_unit",
      pollingIntervalSeconds: 0.5,
    });
    try {
      const seen: string[] = [];
      let attempts = 0;
      await jobs.register<{ word: string }>({
        name: "words",
        async handle(data) {
          seen.push(data.word);
        },
      });
      await jobs.register<Record<string, never>>({
        name: "flaky",
        retryLimit: 3,
        retryDelaySeconds: 1,
        retryBackoff: false,
        async handle() {
          attempts++;
          if (attempts < 2) throw new Error("transient failure");
        },
      });
      let finishedSlowJob = false;
      await jobs.register<Record<string, never>>({
        name: "slow",
        async handle() {
          await new Promise((resolve) => setTimeout(resolve, 1500));
          finishedSlowJob = true;
        },
      });
      await jobs.send("words", { word: "hello" });
      await jobs.send("flaky", {});
      await waitFor(async () => seen.includes("hello") && attempts >= 2, 30_000);
      const [flaky] = await jobs.boss.fetch("flaky"); // nothing left to run: it completed on the retry
      expect(flaky).toBeUndefined();

      await jobs.send("slow", {});
      await waitFor(async () => (await jobs.boss.getQueueSize("slow", { before: "active" })) === 0, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await jobs.stop({ timeoutMs: 10_000 });
      expect(finishedSlowJob).toBe(true);
    } finally {
      await dispose();
    }
  });
});

describe.each(backends)("jobs inserted in a transaction on %s", (backend) => {
  it("exist once the transaction commits, and never when it rolls back", async () => {
    const { store, databaseUrl, dispose } = await openTestStore(backend);
    // No worker: jobs stay queued, so the queue's size is exactly what was inserted.
    const jobs = await startJobEngine({ store, databaseUrl, logger, schema: "pgboss_tx" });
    try {
      await jobs.boss.createQueue("outbox", { name: "outbox" });
      await store.db
        .transaction(async (tx) => {
          await jobs.insert([{ name: "outbox", data: { n: 1 } }], { db: sqlExecutorOf(tx) });
          throw new Error("roll back");
        })
        .catch(() => undefined);
      expect(await jobs.boss.getQueueSize("outbox")).toBe(0);
      await store.db.transaction(async (tx) => {
        await jobs.insert(
          [
            { name: "outbox", data: { n: 2 } },
            { name: "outbox", data: { n: 3 }, singletonKey: "three" },
          ],
          { db: sqlExecutorOf(tx) },
        );
      });
      const queued = await jobs.boss.fetch<{ n: number }>("outbox", { batchSize: 10 });
      expect(queued.map((job) => job.data.n).sort()).toEqual([2, 3]);
    } finally {
      await jobs.stop({ timeoutMs: 5_000 });
      await dispose();
    }
  });
});

describe.runIf(backends.includes("postgres"))(
  "job engine with two service processes on one PostgreSQL",
  () => {
    it("runs each job exactly once", async () => {
      const { store, databaseUrl, dispose } = await openTestStore("postgres");
      const children: ChildProcess[] = [];
      try {
        await store.executeSql("create table job_runs (job_id uuid, n int, pid int)", []);
        const schema = "pgboss_shared";
        const producer = await startJobEngine({ store, databaseUrl, logger, schema });
        await producer.boss.createQueue("count", { name: "count" });
        for (let i = 0; i < 2; i++) {
          const child = spawn(
            process.execPath,
            ["--import", "tsx", "test/support/job-worker-child.ts", databaseUrl!, schema, "count"],
            { stdio: ["ignore", "pipe", "inherit"] },
          );
          children.push(child);
          await once(child.stdout!, "data");
        }
        const total = 200;
        await producer.boss.insert(Array.from({ length: total }, (_, n) => ({ name: "count", data: { n } })));
        await waitFor(async () => {
          const { rows } = await store.executeSql("select count(*)::int as c from job_runs", []);
          return (rows[0]?.c as number) >= total;
        }, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 1500)); // a duplicate would show up now
        const { rows } = await store.executeSql(
          "select count(*)::int as runs, count(distinct job_id)::int as jobs, count(distinct n)::int as ns, count(distinct pid)::int as pids from job_runs",
          [],
        );
        expect(rows[0]).toMatchObject({ runs: total, jobs: total, ns: total });
        expect(rows[0]?.pids).toBe(2); // both processes took part
        await producer.stop({ timeoutMs: 5000 });
      } finally {
        for (const child of children) {
          child.kill("SIGTERM");
          if (child.exitCode === null) await once(child, "exit");
        }
        await dispose();
      }
    });
  },
);
