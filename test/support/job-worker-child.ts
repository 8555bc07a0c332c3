// A second (or third) service process for the exactly-once job test: runs the job engine on the given PostgreSQL
// database and records each job it handles in a table, until the parent sends "stop" on stdin or SIGTERM.
import pino from "pino";
import { startJobEngine } from "../../src/jobs/job-engine.ts";
import { openStore } from "../../src/store/database.ts";

const [databaseUrl, schema, queue] = process.argv.slice(2);
if (!databaseUrl || !schema || !queue)
  throw new Error("usage: job-worker-child <databaseUrl> <schema> <queue>");
const store = await openStore({ databaseUrl, dataDir: "" });
const jobs = await startJobEngine({
  store,
  databaseUrl,
  logger: pino({ level: "warn" }),
  schema,
  pollingIntervalSeconds: 0.5,
});
await jobs.register<{ n: number }>({
  name: queue,
  batchSize: 5,
  async handle(data, job) {
    // Hold the job a little so both processes are busy at the same time.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.executeSql("insert into job_runs (job_id, n, pid) values ($1, $2, $3)", [
      job.id,
      data.n,
      process.pid,
    ]);
  },
});
process.stdout.write("ready\n");
const stop = async () => {
  await jobs.stop({ timeoutMs: 10_000 });
  await store.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
