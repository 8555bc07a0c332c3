import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTestEnvironment } from "../../src/config.ts";
import { holdPort } from "./held-port.ts";

/**
 * Whether Debian's `radicale` is installed: probed once per test process. Without it the CalDAV cases are skipped
 * with a printed reason, except in CI (CI=true), where that is a failure (as with PostgreSQL and python-icalendar).
 */
function probeRadicale(): { available: true } | { available: false; reason: string } {
  const result = spawnSync("radicale", ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (result.status === 0) return { available: true };
  const reason = `radicale --version failed (${result.error?.message ?? result.stderr?.trim()}); install radicale`;
  if (readTestEnvironment().ci) throw new Error(`radicale is required in CI: ${reason}`);
  return { available: false, reason };
}

const probe = probeRadicale();
if (!probe.available) process.stderr.write(`[tests] CalDAV (Radicale) cases skipped: ${probe.reason}\n`);
export const radicaleAvailable = probe.available;

/**
 * A real Radicale (Debian package `radicale`) on 127.0.0.1 with a random port, a temporary storage folder and
 * htpasswd (plain) auth, plus what a test does as the calendar's "user": make calendars, PUT and DELETE objects
 * over plain HTTP. Shaped as one object so a shared provider contract suite can take it as its CalDAV server.
 */
export interface RadicaleServer {
  url: string;
  /** `/user/name/` of a calendar made with makeCalendar. */
  calendarUrl(user: string, name: string): string;
  makeCalendar(
    user: string,
    name: string,
    options?: { components?: string[]; displayName?: string },
  ): Promise<string>;
  put(user: string, path: string, ics: string): Promise<{ status: number; etag: string | null }>;
  get(user: string, path: string): Promise<{ status: number; body: string; etag: string | null }>;
  remove(user: string, path: string): Promise<number>;
  /** Changes a user's password (Radicale reads the htpasswd file at each login): the old one is revoked. */
  setPassword(user: string, password: string): void;
  /**
   * Forgets every sync token the calendar handed out (Radicale keeps each token's state in its cache folder): an
   * old token then meets 403 DAV:valid-sync-token, as a server that expired it answers, once the calendar changed.
   */
  forgetSyncTokens(calendarPath: string): void;
  /** The object hrefs of a calendar (Depth 1 PROPFIND). */
  list(user: string, calendarPath: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startRadicale(initialUsers: Record<string, string>): Promise<RadicaleServer> {
  const users = { ...initialUsers };
  const dir = mkdtempSync(join(tmpdir(), "calbridge-radicale-"));
  const held = await holdPort();
  const port = held.port;
  await held.release();
  const writeUsers = () =>
    writeFileSync(
      join(dir, "users"),
      Object.entries(users)
        .map(([user, password]) => `${user}:${password}`)
        .join("\n"),
    );
  writeUsers();
  writeFileSync(
    join(dir, "config"),
    [
      "[server]",
      `hosts = 127.0.0.1:${port}`,
      "[auth]",
      "type = htpasswd",
      `htpasswd_filename = ${join(dir, "users")}`,
      "htpasswd_encryption = plain",
      "delay = 0",
      "[rights]",
      "type = owner_only",
      "[storage]",
      `filesystem_folder = ${join(dir, "collections")}`,
      "[web]",
      "type = none",
      "[logging]",
      "level = warning",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("radicale", ["--config", join(dir, "config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const auth = (user: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${users[user]}`).toString("base64")}`,
  });
  // No vitest here: the CalDAV benchmark starts Radicale through this harness too.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`radicale exited: ${stderr}`);
    const answered = await fetch(`${url}/.well-known/caldav`, { redirect: "manual" }).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (attempt > 200) throw new Error(`Radicale did not start on ${url}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const calendarUrl = (user: string, name: string) => `/${user}/${name}/`;
  return {
    url,
    calendarUrl,
    async makeCalendar(user, name, options = {}) {
      const components = options.components ?? ["VEVENT"];
      // MKCOL on the principal first: Radicale makes the user's home collection on the first authenticated request.
      await fetch(`${url}/${user}/`, { method: "PROPFIND", headers: { ...auth(user), depth: "0" } });
      const body = `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>${options.displayName ?? name}</D:displayname>
<C:supported-calendar-component-set>${components.map((c) => `<C:comp name="${c}"/>`).join("")}</C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>`;
      const answer = await fetch(`${url}${calendarUrl(user, name)}`, {
        method: "MKCALENDAR",
        headers: { ...auth(user), "content-type": "application/xml" },
        body,
      });
      if (answer.status !== 201) throw new Error(`MKCALENDAR ${answer.status}: ${await answer.text()}`);
      return calendarUrl(user, name);
    },
    async put(user, path, ics) {
      const answer = await fetch(`${url}${path}`, {
        method: "PUT",
        headers: { ...auth(user), "content-type": "text/calendar; charset=utf-8" },
        body: ics,
      });
      await answer.text();
      return { status: answer.status, etag: answer.headers.get("etag") };
    },
    async get(user, path) {
      const answer = await fetch(`${url}${path}`, { headers: auth(user) });
      return { status: answer.status, body: await answer.text(), etag: answer.headers.get("etag") };
    },
    async remove(user, path) {
      const answer = await fetch(`${url}${path}`, { method: "DELETE", headers: auth(user) });
      await answer.text();
      return answer.status;
    },
    setPassword(user, password) {
      users[user] = password;
      writeUsers();
    },
    forgetSyncTokens(calendarPath) {
      const folder = join(dir, "collections", "collection-root", ...calendarPath.split("/").filter(Boolean));
      rmSync(join(folder, ".Radicale.cache", "sync-token"), { recursive: true, force: true });
    },
    async list(user, calendarPath) {
      const answer = await fetch(`${url}${calendarPath}`, {
        method: "PROPFIND",
        headers: { ...auth(user), depth: "1", "content-type": "application/xml" },
        body: `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`,
      });
      const text = await answer.text();
      return [...text.matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/gi)]
        .map((match) => match[1]!)
        .filter((href) => href !== calendarPath);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
