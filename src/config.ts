import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { parseAllowEntry, splitAllowList } from "./outbound/allow-list.ts";

/**
 * The one reader of process.env. Everything configurable is parsed and validated here once; a bad or missing
 * variable stops start-up with a message that names it.
 */
const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const optionalString = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string())
  .optional()
  .transform((value) => (value === "" ? undefined : value));

/** Comma-separated host names, IPs and CIDR ranges; each entry is checked, and a bad one is named. */
const allowList = optionalString.superRefine((value, context) => {
  for (const entry of splitAllowList(value)) {
    const parsed = parseAllowEntry(entry);
    if (!parsed.ok) context.addIssue({ code: "custom", message: parsed.message });
  }
});

/**
 * PROVIDER_BUDGETS: JSON overrides of the provider request budgets (defaults in src/jobs/provider-budget-gate.ts),
 * e.g. {"google":{"appPerMinute":50000}}.
 */
const budgetOverride = z
  .object({
    connectionPerMinute: z.number().min(0.01),
    connectionBurst: z.number().min(1),
    tenantPerMinute: z.number().min(0.01),
    appPerMinute: z.number().min(0.01),
  })
  .partial()
  .strict();
const providerBudgetsSetting = optionalString
  .transform((value, context) => {
    if (value === undefined) return {};
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: "custom", message: 'must be JSON, e.g. {"google":{"appPerMinute":50000}}' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .object({ microsoft: budgetOverride, google: budgetOverride, caldav: budgetOverride })
      .partial()
      .strict(),
  );

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY lists like addresses. */
const proxyRangeNames = new Set(["loopback", "linklocal", "uniquelocal"]);

function isAddressOrRange(entry: string): boolean {
  if (proxyRangeNames.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: which peers may set X-Forwarded-For (Fastify's `trustProxy`, read by request.ip and so by the rate
 * limiter). A hop count is refused rather than passed on: Fastify 5 disables hop-count trust (it cannot check who
 * connected, so a direct client could spoof its address), and a setting that silently does nothing is worse.
 */
const trustProxySchema = optionalString.transform((value, ctx): boolean | string[] => {
  if (value === undefined || /^false$/i.test(value)) return false;
  if (/^true$/i.test(value)) return true;
  const hint = "must be true, false, or a comma-separated list of the proxies' IP addresses or CIDR ranges";
  if (/^\d+$/.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${hint}; a hop count cannot tell a proxy from a client that sends its own X-Forwarded-For: list your proxy's address instead (e.g. 10.0.0.0/8)`,
    });
    return z.NEVER;
  }
  const entries = value.split(",").map((entry) => entry.trim());
  const bad = entries.find((entry) => !isAddressOrRange(entry));
  if (bad !== undefined) {
    ctx.addIssue({ code: "custom", message: `${hint} (${JSON.stringify(bad)} is neither)` });
    return z.NEVER;
  }
  return entries;
});

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  PUBLIC_URL: z.url({ message: "must be an absolute URL such as https://calbridge.example.com" }).optional(),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  DATA_DIR: z.string().min(1).default("./.calbridge"),
  ENCRYPTION_KEYS: optionalString,
  LOG_LEVEL: z.enum(logLevels).default("info"),
  SMTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  MAIL_FROM: z.string().default("Calbridge <calbridge@localhost>"),
  OUTBOUND_ALLOW: allowList,
  /** Deprecated alias of OUTBOUND_ALLOW (merged into it). */
  ICS_FEED_ALLOW: allowList,
  MICROSOFT_CLIENT_ID: optionalString,
  MICROSOFT_CLIENT_SECRET: optionalString,
  MICROSOFT_TENANT: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, "must be common, organizations, consumers, a tenant id or a verified domain")
    .default("common"),
  MICROSOFT_LOGIN_URL: z
    .url({ message: "must be an absolute URL" })
    .default("https://login.microsoftonline.com"),
  MICROSOFT_GRAPH_URL: z
    .url({ message: "must be an absolute URL" })
    .default("https://graph.microsoft.com/v1.0"),
  MICROSOFT_ROOMS: z.enum(["true", "false"]).default("false"),
  GOOGLE_ROOMS: z.enum(["true", "false"]).default("false"),
  CALENDAR_POLL_MINUTES: z.coerce.number().int().min(1).max(1440).optional(),
  SYNC_WINDOW_DAYS: z.coerce.number().int().min(7).max(3660).default(366),
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  STALE_CALENDAR_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  STALE_CALENDAR_POLICY: z.enum(["block", "ignore"], { message: "must be block or ignore" }).default("block"),
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
  GOOGLE_AUTH_URL: z
    .url({ message: "must be an absolute URL" })
    .default("https://accounts.google.com/o/oauth2/v2/auth"),
  GOOGLE_TOKEN_URL: z
    .url({ message: "must be an absolute URL" })
    .default("https://oauth2.googleapis.com/token"),
  GOOGLE_API_URL: z
    .url({ message: "must be an absolute URL" })
    .default("https://www.googleapis.com/calendar/v3"),
  /** Unset: `auto` for the embedded quick start, `off` for a deployment (see sandboxDefault). */
  SANDBOX: z.enum(["auto", "on", "off"]).optional(),
  NODE_ENV: optionalString,
  TRUST_PROXY: trustProxySchema,
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
  ),
  PUBLIC_RATE_LIMIT: z.coerce.number().int().min(0).default(300),
  PUSH_RATE_LIMIT: z.coerce.number().int().min(0).default(1200),
  ICS_FEED_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  ICS_FEED_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  ICS_POLL_MINUTES: z.coerce.number().int().min(1).default(15),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(400),
  // Reading a feed runs in worker threads, within these budgets: the event loop never waits for a feed.
  ICS_FEED_WORKERS: z.coerce.number().int().min(1).max(4).default(1),
  ICS_FEED_TIME_BUDGET_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  ICS_FEED_MAX_OCCURRENCES: z.coerce.number().int().min(100).max(1_000_000).default(50_000),
  PROVIDER_BUDGETS: providerBudgetsSetting,
  // Slot holds (booking page): how long a hold lasts, and how many one client may have at a tenant at once.
  HOLD_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  HOLD_MAX_PER_CLIENT: z.coerce.number().int().min(1).max(100).default(3),
  PORTAL_LINK_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  PORTAL_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(43_200).default(720),
  PORTAL_SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(90).default(7),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  encryptionKeys: string | undefined;
  logLevel: (typeof logLevels)[number];
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Hosts, IPs and CIDR ranges that tenant-given URLs (feeds, webhooks) may reach although internal. */
  outboundAllow: string[];
  /** Set when an Entra app is configured; otherwise the sandbox's demo app is used when the sandbox runs. */
  microsoft: { clientId: string; clientSecret: string | undefined } | undefined;
  microsoftEndpoints: { tenant: string; loginUrl: string; graphUrl: string; rooms: boolean };
  /** Polling floor of OAuth calendars (minutes); undefined: 10 with push, 1 without. */
  calendarPollMinutes: number | undefined;
  /** How far ahead calendars are mirrored; availability beyond it is not offered for hosts with calendars. */
  syncWindowDays: number;
  /** Calendar syncs one worker process runs at once (each connection still syncs one at a time). */
  syncConcurrency: number;
  /** A calendar not synced for this long makes its host unavailable (block) or is trusted anyway (ignore). */
  staleCalendar: { minutes: number; policy: "block" | "ignore" };
  /** Set when a Google OAuth client is configured; otherwise the sandbox's demo client is used when it runs. */
  google: { clientId: string; clientSecret: string | undefined } | undefined;
  googleEndpoints: { authUrl: string; tokenUrl: string; apiUrl: string; rooms: boolean };
  sandbox: "auto" | "on" | "off";
  /** Peers whose X-Forwarded-For names the client (`true`: any peer); see trustProxySchema. */
  trustProxy: boolean | string[];
  /** Requests per minute per client on the public booking endpoints; 0 turns the limit off. */
  publicRateLimitPerMinute: number;
  /** Shared rate-limit counters for several processes; unset: each process counts for itself. */
  redisUrl: string | undefined;
  /** Requests per minute per client on the provider push intake (/webhooks/...); 0 turns the limit off. */
  pushRateLimitPerMinute: number;
  icsFeeds: {
    maxBytes: number;
    timeoutMs: number;
    pollMinutes: number;
    /** Worker threads that read feeds, the time one feed may take, and the occurrences kept per feed. */
    workers: number;
    timeBudgetMs: number;
    maxOccurrences: number;
  };
  /** Audit entries older than this many days are removed by the daily retention job. */
  auditRetentionDays: number;
  /** Overrides of the provider request budgets (PROVIDER_BUDGETS; defaults in src/jobs/provider-budget-gate.ts). */
  providerBudgets: z.infer<typeof providerBudgetsSetting>;
  /** Slot holds: HOLD_TTL_SECONDS and HOLD_MAX_PER_CLIENT. */
  holds: { ttlSeconds: number; maxPerClient: number };
  /** Host portal: how long a sign-in link is valid, and a session's idle and absolute lifetime. */
  portal: { linkMinutes: number; sessionIdleMinutes: number; sessionMaxDays: number };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses a plain record (the environment merged with `.env`) into a Config, or throws a ConfigError naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const raw = result.data;
  const port = raw.PORT;
  return {
    port,
    host: raw.HOST,
    publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
    databaseUrl: raw.DATABASE_URL,
    dataDir: resolve(raw.DATA_DIR),
    encryptionKeys: raw.ENCRYPTION_KEYS,
    logLevel: raw.LOG_LEVEL,
    smtpUrl: raw.SMTP_URL,
    mailFrom: raw.MAIL_FROM,
    outboundAllow: [...splitAllowList(raw.OUTBOUND_ALLOW), ...splitAllowList(raw.ICS_FEED_ALLOW)],
    microsoft: raw.MICROSOFT_CLIENT_ID
      ? { clientId: raw.MICROSOFT_CLIENT_ID, clientSecret: raw.MICROSOFT_CLIENT_SECRET }
      : undefined,
    microsoftEndpoints: {
      tenant: raw.MICROSOFT_TENANT,
      loginUrl: raw.MICROSOFT_LOGIN_URL.replace(/\/+$/, ""),
      graphUrl: raw.MICROSOFT_GRAPH_URL.replace(/\/+$/, ""),
      rooms: raw.MICROSOFT_ROOMS === "true",
    },
    calendarPollMinutes: raw.CALENDAR_POLL_MINUTES,
    syncWindowDays: raw.SYNC_WINDOW_DAYS,
    syncConcurrency: raw.SYNC_CONCURRENCY,
    staleCalendar: { minutes: raw.STALE_CALENDAR_MINUTES, policy: raw.STALE_CALENDAR_POLICY },
    google: raw.GOOGLE_CLIENT_ID
      ? { clientId: raw.GOOGLE_CLIENT_ID, clientSecret: raw.GOOGLE_CLIENT_SECRET }
      : undefined,
    googleEndpoints: {
      authUrl: raw.GOOGLE_AUTH_URL,
      tokenUrl: raw.GOOGLE_TOKEN_URL,
      apiUrl: raw.GOOGLE_API_URL.replace(/\/+$/, ""),
      rooms: raw.GOOGLE_ROOMS === "true",
    },
    sandbox: raw.SANDBOX ?? sandboxDefault(raw),
    trustProxy: raw.TRUST_PROXY,
    publicRateLimitPerMinute: raw.PUBLIC_RATE_LIMIT,
    pushRateLimitPerMinute: raw.PUSH_RATE_LIMIT,
    redisUrl: raw.REDIS_URL,
    icsFeeds: {
      maxBytes: raw.ICS_FEED_MAX_BYTES,
      timeoutMs: raw.ICS_FEED_TIMEOUT_MS,
      pollMinutes: raw.ICS_POLL_MINUTES,
      workers: raw.ICS_FEED_WORKERS,
      timeBudgetMs: raw.ICS_FEED_TIME_BUDGET_MS,
      maxOccurrences: raw.ICS_FEED_MAX_OCCURRENCES,
    },
    auditRetentionDays: raw.AUDIT_RETENTION_DAYS,
    providerBudgets: raw.PROVIDER_BUDGETS,
    holds: { ttlSeconds: raw.HOLD_TTL_SECONDS, maxPerClient: raw.HOLD_MAX_PER_CLIENT },
    portal: {
      linkMinutes: raw.PORTAL_LINK_MINUTES,
      sessionIdleMinutes: raw.PORTAL_SESSION_IDLE_MINUTES,
      sessionMaxDays: raw.PORTAL_SESSION_MAX_DAYS,
    },
  };
}

/**
 * The emulators are a quick-start convenience: a deployment (PostgreSQL, or NODE_ENV=production) that lacks
 * provider credentials must say so, not silently offer fake Microsoft and Google sign-ins to its users.
 */
function sandboxDefault(raw: RawConfig): "auto" | "off" {
  return raw.DATABASE_URL !== undefined || raw.NODE_ENV === "production" ? "off" : "auto";
}

/**
 * What a child process of ours (the sandbox emulators) inherits: what Node and tsx need to run, never the
 * service's secrets (ENCRYPTION_KEYS, DATABASE_URL, client secrets, SMTP_URL).
 */
const childProcessVariables = ["PATH", "HOME", "TMPDIR", "TMP", "TEMP", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"];

export function childProcessEnvironment(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of childProcessVariables) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Reads `.env` in the working directory (if any) under the real environment, which wins. */
export function loadConfig(
  options: { envFile?: string; overrides?: Record<string, string | undefined> } = {},
): Config {
  const envFile = resolve(options.envFile ?? ".env");
  const fromFile = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  return parseConfig({ ...fromFile, ...process.env, ...options.overrides });
}

/** Whether tests run in CI, where a missing PostgreSQL is a failure rather than a skip. */
export function readTestEnvironment(): { ci: boolean; testDatabaseUrl: string | undefined } {
  return { ci: process.env.CI === "true", testDatabaseUrl: process.env.TEST_DATABASE_URL };
}
