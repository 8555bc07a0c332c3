import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ISSUE_EXAMPLE_REQUEST } from "../../core/availability/testing/issue-example.ts";
import { runSlots, SlotsInputError } from "./slots.ts";

const example = ISSUE_EXAMPLE_REQUEST;

describe("runSlots", () => {
  it("prints the slots of the issue's example", () => {
    const output = runSlots({ inputText: JSON.stringify(example) }) as { slots: Array<{ start: string }> };
    // Monday 2030-03-04: busy 08:00-08:45Z (09:00-09:45 Berlin) removes the first two slots.
    expect(output.slots[0]).toEqual({
      start: "2030-03-04T09:00:00Z",
      end: "2030-03-04T09:30:00Z",
      hostIds: ["h1"],
    });
    // The Wednesday override 10:00-14:00 Berlin gives 8 slots on 2030-03-13.
    expect(output.slots.filter((slot) => slot.start.startsWith("2030-03-13")).length).toBe(8);
  });

  it("groups by the invitee's local date on request", () => {
    const output = runSlots({ inputText: JSON.stringify(example), byInviteeDate: true }) as {
      dates: Record<string, Array<{ start: string }>>;
    };
    // 09:00Z on 4 March is 04:00 in New York, still 4 March; the dates are those of the slots.
    expect(Object.keys(output.dates)[0]).toBe("2030-03-04");
    expect(Object.values(output.dates).flat().length).toBe(
      (runSlots({ inputText: JSON.stringify(example) }) as { slots: unknown[] }).slots.length,
    );
  });

  it("explains an instant", () => {
    const output = runSlots({ inputText: JSON.stringify(example), explain: "2030-03-04T08:30:00Z" });
    expect(output).toMatchObject({
      bookable: false,
      reasons: [{ code: "busy", hostId: "h1", source: "outlook:abc" }],
    });
  });

  it.each([
    ["not JSON", "{", undefined, /^input is not JSON/],
    [
      "a schema error naming the field",
      JSON.stringify({ ...example, inviteeTimeZone: "Mars/Olympus" }),
      undefined,
      /inviteeTimeZone: unknown time zone ".*" \(use an IANA name/,
    ],
    ["a bad --explain instant", JSON.stringify(example), "tomorrow", /^--explain:/],
  ])("rejects %s", (_name, inputText, explain, message) => {
    expect(() => runSlots({ inputText, explain })).toThrow(SlotsInputError);
    expect(() => runSlots({ inputText, explain })).toThrow(message);
  });
});

describe("docs/availability-input.md", () => {
  it("the fuller example prints the documented slots and explanation", () => {
    const docs = readFileSync(join(import.meta.dirname, "../../../docs/availability-input.md"), "utf8");
    const section = docs.slice(docs.indexOf("## A fuller example"));
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!));
    const [request, slots, explanation] = blocks;
    expect(runSlots({ inputText: JSON.stringify(request) })).toEqual(slots);
    expect(runSlots({ inputText: JSON.stringify(request), explain: "2030-03-04T09:00:00Z" })).toEqual(
      explanation,
    );
  });
});

describe("calbridge slots (the real CLI)", () => {
  const folder = mkdtempSync(join(tmpdir(), "calbridge-slots-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "slots", ...args], {
      encoding: "utf8",
      input,
      cwd: join(import.meta.dirname, "../../.."),
    });

  it("reads a file and prints {slots}", () => {
    const file = join(folder, "request.json");
    writeFileSync(file, JSON.stringify(example));
    const result = cli(["--input", file]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).slots.length).toBeGreaterThan(100);
  });

  it("reads standard input with --input - and explains", () => {
    const result = cli(["--input", "-", "--explain", "2030-03-04T09:00:00Z"], JSON.stringify(example));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ bookable: true, hostIds: ["h1"] });
  });

  it("bad input: one line on stderr, exit code 2, no stack", () => {
    const bad = { ...example, range: { from: "2030-03-31T00:00:00Z", to: "2030-03-01T00:00:00Z" } };
    const result = cli(["--input", "-"], JSON.stringify(bad));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "calbridge: invalid availability request: range.to: must be after range.from\n",
    );
  });

  it("a missing file is bad input too", () => {
    const result = cli(["--input", join(folder, "missing.json")]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
