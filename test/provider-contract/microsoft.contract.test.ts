import { microsoftHarness } from "./microsoft-harness.ts";
import { describeProviderContract } from "./provider-contract.ts";

describeProviderContract(() => microsoftHarness());
