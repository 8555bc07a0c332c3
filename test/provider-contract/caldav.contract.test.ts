import { describe } from "vitest";
import { radicaleAvailable } from "../support/radicale-harness.ts";
import { caldavHarness } from "./caldav-harness.ts";
import { describeKilledMidSync } from "./killed-mid-sync.ts";
import { describeProviderContract } from "./provider-contract.ts";

describe.runIf(radicaleAvailable)("CalDAV (Radicale)", () => {
  describeProviderContract(() => caldavHarness());
  // Radicale computes its first sync token slowly (about 20 ms an object): 400 objects, not thousands.
  describeKilledMidSync(() => caldavHarness({ bulkEvents: 400 }), { expectedAtLeast: 400 });
});
