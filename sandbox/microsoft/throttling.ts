import { GraphError } from "./graph-errors.ts";
import type { MicrosoftSandboxState } from "./state.ts";

/** Outlook allows 4 concurrent requests per app and mailbox (reference 2.13). */
export const MAILBOX_CONCURRENCY = 4;

const FAULTS: Record<number, { code: string; message: string }> = {
  429: { code: "TooManyRequests", message: "Please retry again later." },
  503: { code: "ServiceUnavailable", message: "Service Unavailable" },
  // Observed on delta nextLinks: 504 UnknownError with an empty message (reference 2.11).
  504: { code: "UnknownError", message: "" },
};

/** Injected faults (admin API `/_sandbox/throttle`) are consumed one per matching request. */
export function takeInjectedFault(state: MicrosoftSandboxState, mailboxId: string | null): GraphError | null {
  const index = state.throttleQueue.findIndex(
    (rule) => rule.mailboxId === null || rule.mailboxId === mailboxId,
  );
  if (index < 0) return null;
  const [rule] = state.throttleQueue.splice(index, 1);
  if (!rule) return null;
  const fault = FAULTS[rule.status]!;
  const headers: Record<string, string> = rule.retryAfter === null ? {} : { "retry-after": rule.retryAfter };
  const innerError: Record<string, string> =
    rule.status === 429 ? { code: "429", message: "Please retry after", status: "429" } : {};
  return new GraphError({
    status: rule.status,
    code: fault.code,
    message: fault.message,
    headers,
    innerError,
  });
}

/** Counts in-flight requests per app+mailbox; the fifth concurrent one gets ApplicationThrottled. */
export class ConcurrencyGate {
  private readonly inFlight = new Map<string, number>();

  enter(key: string): void {
    const current = this.inFlight.get(key) ?? 0;
    if (current >= MAILBOX_CONCURRENCY) {
      throw new GraphError({
        status: 429,
        code: "ApplicationThrottled",
        message: "Application is over its MailboxConcurrency limit.",
      });
    }
    this.inFlight.set(key, current + 1);
  }

  leave(key: string): void {
    const current = this.inFlight.get(key) ?? 1;
    if (current <= 1) this.inFlight.delete(key);
    else this.inFlight.set(key, current - 1);
  }
}
