import { readFileSync } from "node:fs";

/**
 * CPU time a process's main thread (its event loop) has used, from /proc (Linux): 10 ms resolution. The /healthz
 * stall tests use it to tell the service's own work from a wait for a CPU on a shared machine.
 */
export function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
