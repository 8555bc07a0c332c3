import type { IdTokenSigner } from "./id-token.ts";
import type { GoogleSandboxState } from "./state.ts";

/** What every route module receives from the server (no globals, so several sandboxes can coexist). */
export interface SandboxContext {
  state: GoogleSandboxState;
  signer: IdTokenSigner;
  /** The sandbox's own origin, e.g. `http://127.0.0.1:41234`, known once it listens. */
  origin(): string;
  /** The `iss` of ID tokens: the origin, or its bare host form (both are Google's documented spellings). */
  idTokenIssuer(): string;
  autoApprove: boolean;
}
