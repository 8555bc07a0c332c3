import { googleHarness } from "./google-harness.ts";
import { describeProviderContract } from "./provider-contract.ts";

describeProviderContract(() => googleHarness());
