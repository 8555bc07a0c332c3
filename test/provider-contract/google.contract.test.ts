import { googleHarness } from "./google-harness.ts";
import { describeKilledMidSync } from "./killed-mid-sync.ts";
import { describeProviderContract } from "./provider-contract.ts";

describeProviderContract(() => googleHarness());
// 6,000 events: three pages of 2,500, so the kill can land after one page is staged.
describeKilledMidSync(() => googleHarness({ bulkEvents: 6000 }), { expectedAtLeast: 6000 });
