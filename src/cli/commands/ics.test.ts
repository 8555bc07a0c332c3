import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandToJsonLines, readIcsSource } from "./ics.ts";

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL("../../core/ical/fixtures/", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));

async function calbridge(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: repositoryRoot,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("ics expand", () => {
  it("prints one JSON object per occurrence with exactly the documented keys, in order", async () => {
    const lines: string[] = [];
    const text = await readIcsSource(`${fixtures}google-export.ics`);
    const printed = expandToJsonLines({
      text,
      from: "2024-11-04",
      to: "2024-11-07",
      write: (line) => lines.push(line),
      warn: () => {},
    });
    expect(printed).toBe(3);
    expect(lines).toEqual([
      '{"uid":"floating-with-x-wr@google.com","recurrenceId":null,"start":"2024-11-04T07:00:00Z","end":"2024-11-04T08:00:00Z","allDay":false,"floating":false,"summary":"Floating time read in X-WR-TIMEZONE","status":null,"transparency":null}\n',
      '{"uid":"7kukuqrfedlm2f9t2pm1hm0b2o@google.com","recurrenceId":"2024-11-04T08:30:00Z","start":"2024-11-04T08:30:00Z","end":"2024-11-04T08:45:00Z","allDay":false,"floating":false,"summary":"Standup","status":"CONFIRMED","transparency":"OPAQUE"}\n',
      '{"uid":"7kukuqrfedlm2f9t2pm1hm0b2o@google.com","recurrenceId":"2024-11-06T08:30:00Z","start":"2024-11-06T10:00:00Z","end":"2024-11-06T10:15:00Z","allDay":false,"floating":false,"summary":"Standup (late)","status":"CONFIRMED","transparency":"OPAQUE"}\n',
    ]);
  });

  it("says on stderr when --max cut the output", () => {
    const warnings: string[] = [];
    const text =
      "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240101T000000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const printed = expandToJsonLines({
      text,
      from: "2024-01-01",
      to: "2024-01-02",
      maxOccurrences: 2,
      write: () => {},
      warn: (line) => warnings.push(line),
    });
    expect(printed).toBe(2);
    expect(warnings).toEqual(["calbridge: output truncated after 2 occurrences\n"]);
  });

  it("fails with the parser's line-numbered message on a malformed file", () => {
    const text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n";
    expect(() =>
      expandToJsonLines({ text, from: "2024-01-01", to: "2024-01-02", write: () => {}, warn: () => {} }),
    ).toThrow(/^line 2: file ends inside BEGIN:VEVENT of line 2 \(truncated\?\)$/);
  });
});

describe("readIcsSource over HTTP", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/feed.ics") {
        response.writeHead(200, { "content-type": "text/calendar" });
        response.end("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads a URL and reports an HTTP error in one line", async () => {
    await expect(readIcsSource(`${base}/feed.ics`)).resolves.toBe("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    await expect(readIcsSource(`${base}/missing.ics`)).rejects.toThrow(
      `cannot fetch ${base}/missing.ics: HTTP 404`,
    );
  });
});

describe("calbridge ics (the real command)", () => {
  it("expands a file and prints JSON lines", async () => {
    const result = await calbridge([
      "ics",
      "expand",
      `${fixtures}outlook-no-vtimezone.ics`,
      "--from",
      "2024-03-12T00:00:00Z",
      "--to",
      "2024-03-13T00:00:00Z",
    ]);
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).uid),
    ).toEqual(["no-vtz-india", "no-vtz-berlin-display", "no-vtz-unknown"]);
  });

  it("prints a one-line error and exits non-zero for a file it cannot read", async () => {
    const result = await calbridge([
      "ics",
      "expand",
      "/nonexistent/feed.ics",
      "--from",
      "2024-01-01",
      "--to",
      "2024-02-01",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("calbridge: cannot read /nonexistent/feed.ics: no such file\n");
  });

  it("validate lists problems with line numbers and exits non-zero on an error", async () => {
    const truncated = await calbridge(["ics", "validate", `${fixtures}malformed-truncated.ics`]);
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toBe(
      "line 6: error: file ends inside BEGIN:VEVENT of line 4 (truncated?)\n0 calendar(s), 0 event(s): 1 error(s), 0 warning(s)\n",
    );
    const brokenLine = await calbridge(["ics", "validate", `${fixtures}malformed-bad-line.ics`]);
    expect(brokenLine.code).toBe(0);
    expect(brokenLine.stdout).toBe(
      "line 7: warning: not a content line (expected NAME:VALUE, found no colon): skipped\n1 calendar(s), 1 event(s): 0 error(s), 1 warning(s)\n",
    );
    const warnings = await calbridge(["ics", "validate", `${fixtures}malformed-values.ics`]);
    expect(warnings.code).toBe(0);
    expect(warnings.stdout.split("\n")[0]).toBe(
      'line 6: warning: DTSTART has an invalid date or date-time "20241345T100000Z"',
    );
  });
});
