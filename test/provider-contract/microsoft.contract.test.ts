import { describeKilledMidSync } from "./killed-mid-sync.ts";
import { microsoftHarness } from "./microsoft-harness.ts";
import { describeProviderContract } from "./provider-contract.ts";

describeProviderContract(() => microsoftHarness());
describeKilledMidSync(() => microsoftHarness({ bulkEvents: 3000 }), { expectedAtLeast: 3000 });
