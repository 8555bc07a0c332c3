import { GraphError } from "./graph-errors.ts";
import { newOpaqueToken } from "./ids.ts";
import { instancesInWindow } from "./instances.ts";
import type { MicrosoftSandboxState } from "./state.ts";

/**
 * Server-side state behind `$skiptoken` / `$deltatoken` (reference 2.11). The window and the caller's
 * options are fixed per token chain. A delta round diffs the current view against the snapshot taken
 * when the previous round finished: new or changed items come back whole, missing ones as @removed.
 */
export interface DeltaRound {
  mailboxId: string;
  calendarId: string | null;
  startMs: number;
  endMs: number;
  pageSize: number;
  preferTimeZone: string | null;
  generation: number;
  issuedMs: number;
  /** Skip tokens: what is still to be served in this round; delta tokens: empty. */
  pending: Array<{ id: string; removed: boolean }>;
  /** Instance id -> changeKey as of the end of the round. */
  snapshot: Map<string, string>;
}

/** Delta tokens unused for this long are evicted [inf: the real lifetime is not fixed]. */
export const DELTA_TOKEN_IDLE_MS = 7 * 86_400_000;
export const DEFAULT_DELTA_PAGE_SIZE = 10;

export function currentSnapshot(
  state: MicrosoftSandboxState,
  round: Omit<DeltaRound, "pending" | "snapshot">,
): Map<string, string> {
  const instances = instancesInWindow({
    state,
    mailboxId: round.mailboxId,
    ...(round.calendarId ? { calendarId: round.calendarId } : {}),
    startMs: round.startMs,
    endMs: round.endMs,
  });
  return new Map(instances.map((instance) => [instance.id, instance.changeKey]));
}

export function diffSnapshots(
  previous: Map<string, string>,
  current: Map<string, string>,
): DeltaRound["pending"] {
  const pending: DeltaRound["pending"] = [];
  for (const [id, changeKey] of current)
    if (previous.get(id) !== changeKey) pending.push({ id, removed: false });
  for (const id of previous.keys()) if (!current.has(id)) pending.push({ id, removed: true });
  return pending;
}

export function syncStateNotFound(state: MicrosoftSandboxState, generation: number): GraphError {
  return new GraphError({
    status: 410,
    code: "SyncStateNotFound",
    message: `The sync state generation is not found; generation=${generation};[highest=${state.deltaGeneration}]`,
  });
}

/** Looks a token up, enforcing eviction; every failure is the same 410 the client must resync on. */
export function takeRound(state: MicrosoftSandboxState, token: string): DeltaRound {
  const round = state.deltaRounds.get(token);
  if (!round || state.now() - round.issuedMs > DELTA_TOKEN_IDLE_MS) {
    state.deltaRounds.delete(token);
    throw syncStateNotFound(state, round?.generation ?? 0);
  }
  return round;
}

export function storeRound(state: MicrosoftSandboxState, round: DeltaRound): string {
  const token = newOpaqueToken("");
  state.deltaRounds.set(token, round);
  return token;
}

/** Admin API: invalidate every token (optionally one mailbox's), as when the server evicts its cache. */
export function expireDeltaTokens(state: MicrosoftSandboxState, mailboxId: string | null): number {
  let count = 0;
  for (const [token, round] of state.deltaRounds) {
    if (mailboxId && round.mailboxId !== mailboxId) continue;
    state.deltaRounds.delete(token);
    count++;
  }
  return count;
}
