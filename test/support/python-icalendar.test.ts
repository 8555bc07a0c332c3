import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { probePythonIcalendar } from "./python-icalendar.ts";

describe("probePythonIcalendar", () => {
  const folder = mkdtempSync(join(tmpdir(), "calbridge-fake-python-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  /** A python3 that fails the import the way a machine without python3-icalendar does. */
  const brokenPython = join(folder, "python3");
  writeFileSync(
    brokenPython,
    "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\n" +
      "echo \"ModuleNotFoundError: No module named 'icalendar'\" >&2\nexit 1\n",
  );
  chmodSync(brokenPython, 0o755);
  const workingPython = join(folder, "python3-ok");
  writeFileSync(workingPython, "#!/bin/sh\nexit 0\n");
  chmodSync(workingPython, 0o755);

  it("outside CI, reports the missing module as a reason to skip", () => {
    const probe = probePythonIcalendar({ python: brokenPython, ci: false });
    expect(probe).toEqual({
      available: false,
      reason: `${brokenPython} cannot import icalendar (ModuleNotFoundError: No module named 'icalendar'); install python3-icalendar`,
    });
  });

  it("in CI, fails instead of skipping", () => {
    expect(() => probePythonIcalendar({ python: brokenPython, ci: true })).toThrow(
      /^python3-icalendar is required in CI: .*No module named 'icalendar'/,
    );
  });

  it("names a missing interpreter", () => {
    const probe = probePythonIcalendar({ python: join(folder, "no-such-python"), ci: false });
    expect(probe).toMatchObject({ available: false, reason: expect.stringContaining("ENOENT") });
  });

  it("reports an interpreter that imports the module as available", () => {
    expect(probePythonIcalendar({ python: workingPython, ci: true })).toEqual({
      available: true,
      python: workingPython,
    });
  });
});
