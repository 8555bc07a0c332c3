import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "calbridge-ical-tz-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Expands every fixture and turns the result into busy time, printing a digest. The same script runs in child
// processes under different TZ values: the core must give byte-identical answers whatever the process zone is.
const script = `
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { decodeIcsBytes } from ${JSON.stringify(join(here, "decode-ics-bytes.ts"))};
import { expandOccurrences } from ${JSON.stringify(join(here, "expand-occurrences.ts"))};
import { occurrencesToBusy } from ${JSON.stringify(join(here, "occurrences-to-busy.ts"))};
import { parseCalendars } from ${JSON.stringify(join(here, "parse-calendar.ts"))};
const dir = ${JSON.stringify(join(here, "fixtures"))};
const hash = createHash("sha256");
let count = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith(".ics")).sort()) {
  const parsed = parseCalendars(decodeIcsBytes(readFileSync(dir + "/" + name)));
  if (!parsed.ok) { hash.update(name + JSON.stringify(parsed.error)); continue; }
  for (const [from, to] of [["1997-08-01", "1997-12-01"], ["2024-03-01T00:00:00+13:00", "2024-11-15"]]) {
    const expanded = expandOccurrences({ calendars: parsed.value, from, to });
    if (!expanded.ok) throw new Error(expanded.error.message);
    count += expanded.value.occurrences.length;
    hash.update(name + JSON.stringify(expanded.value));
    hash.update(JSON.stringify(occurrencesToBusy({ occurrences: expanded.value.occurrences, hostTimeZone: "Asia/Tokyo" })));
  }
}
console.log(JSON.stringify({ digest: hash.digest("hex"), count, offset: new Date(2024, 0, 1).getTimezoneOffset() }));
`;
const scriptPath = join(scratch, "expand-fixtures.ts");
writeFileSync(scriptPath, script);

async function digestUnder(tz: string): Promise<{ digest: string; count: number; offset: number }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", scriptPath], {
    cwd: repositoryRoot,
    env: { ...process.env, TZ: tz },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe("the process time zone never leaks into results", () => {
  it("gives identical expansions under Pacific/Auckland, America/Los_Angeles and UTC", async () => {
    const [auckland, losAngeles, utc] = await Promise.all([
      digestUnder("Pacific/Auckland"),
      digestUnder("America/Los_Angeles"),
      digestUnder("UTC"),
    ]);
    // The children really ran in different zones...
    expect(new Set([auckland.offset, losAngeles.offset, utc.offset]).size).toBe(3);
    // ...and still agree on every occurrence and busy interval.
    expect(auckland.count).toBeGreaterThan(1000);
    expect(losAngeles).toMatchObject({ digest: auckland.digest, count: auckland.count });
    expect(utc).toMatchObject({ digest: auckland.digest, count: auckland.count });
  });
});
