/**
 * What one `calbridge serve` process does. `api` answers HTTP and only enqueues jobs; `worker` runs the jobs
 * (calendar syncs, write-backs, webhooks, mail, retention) and answers only health, readiness and metrics traffic
 * worth routing to it; `all` (the default, and the only role the embedded database allows) does both.
 */
export const SERVICE_ROLES = ["api", "worker", "all"] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export function runsJobs(role: ServiceRole): boolean {
  return role !== "api";
}

/** Why a role cannot run on this store, or undefined when it can: PGlite is one process, so it must do everything. */
export function roleProblem(role: ServiceRole, databaseUrl: string | undefined): string | undefined {
  if (role === "all" || databaseUrl) return undefined;
  return `--role ${role} needs DATABASE_URL (PostgreSQL): the embedded database is one process, which runs as --role all`;
}
