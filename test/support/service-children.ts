import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

/**
 * A service process (service-child.ts) spawned with an IPC channel: the tests move its clock, ask it to sync a
 * connection now, read which Graph tokens it used, stop it, or kill it outright.
 */
export interface ServiceChild {
  child: ChildProcess;
  advanceClock(ms: number): Promise<void>;
  sync(connectionId: string): Promise<string>;
  graphTokens(): Promise<string[]>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export async function startServiceChild(params: {
  env: Record<string, string>;
  clockOffsetMs: number;
}): Promise<ServiceChild> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/support/service-child.ts",
      JSON.stringify(params.env),
      String(params.clockOffsetMs),
    ],
    { stdio: ["ignore", "pipe", "inherit", "ipc"] },
  );
  await once(child.stdout!, "data");
  let next = 0;
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  child.on("message", (answer: Record<string, unknown>) => {
    waiting.get(answer.id as number)?.(answer);
    waiting.delete(answer.id as number);
  });
  const ask = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = next++;
      waiting.set(id, (answer) => (answer.error ? reject(new Error(String(answer.error))) : resolve(answer)));
      child.send({ id, ...message });
    });
  const exited = async () => {
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
  };
  return {
    child,
    advanceClock: async (ms) => void (await ask({ advanceMs: ms })),
    sync: async (connectionId) => String((await ask({ sync: connectionId })).status),
    graphTokens: async () => (await ask({ graphTokens: true })).tokens as string[],
    async stop() {
      child.kill("SIGTERM");
      await exited();
    },
    async kill() {
      child.kill("SIGKILL");
      await exited();
    },
  };
}
