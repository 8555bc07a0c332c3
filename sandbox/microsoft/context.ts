import type { SandboxRequest } from "./http-kit.ts";
import type { AccessGrant } from "./identity-grants.ts";
import type { SigningKeys } from "./identity-keys.ts";
import type { Mailbox } from "./model.ts";
import type { MicrosoftSandboxState } from "./state.ts";
import type { SubscriptionManager } from "./subscriptions.ts";

/** What every route handler receives. */
export interface SandboxContext {
  req: SandboxRequest;
  state: MicrosoftSandboxState;
  /** Origin the sandbox is reached at; identity and Graph share it (the real hosts differ). */
  origin: string;
  keys: SigningKeys;
  autoApprove: boolean;
  subscriptions: SubscriptionManager;
}

/** Graph handlers also know the caller's token and, under /me or /users/{id}, the target mailbox. */
export interface GraphContext extends SandboxContext {
  grant: AccessGrant;
  mailbox: Mailbox | null;
}
