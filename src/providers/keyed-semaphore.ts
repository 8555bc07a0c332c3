/**
 * At most `limit` concurrent holders per key (a mailbox, an account). Graph allows 4 concurrent requests per app
 * and mailbox and answers the fifth with 429 ApplicationThrottled (provider-protocols 2.13); queueing here keeps a
 * sync from tripping that limit itself. Per process: requests from other processes can still overlap, and their
 * 429s are retried by the HTTP layer.
 */
export interface KeyedSemaphore {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Holders plus waiters of a key (for tests and metrics). */
  pending(key: string): number;
}

export function createKeyedSemaphore(limit: number): KeyedSemaphore {
  const states = new Map<string, { active: number; waiters: Array<() => void> }>();
  const acquire = async (key: string): Promise<void> => {
    let state = states.get(key);
    if (!state) {
      state = { active: 0, waiters: [] };
      states.set(key, state);
    }
    if (state.active < limit) {
      state.active++;
      return;
    }
    const queued = state;
    await new Promise<void>((resolve) => queued.waiters.push(resolve));
  };
  const release = (key: string): void => {
    const state = states.get(key);
    if (!state) return;
    const next = state.waiters.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else if (--state.active === 0) states.delete(key);
  };
  return {
    async run(key, task) {
      await acquire(key);
      try {
        return await task();
      } finally {
        release(key);
      }
    },
    pending(key) {
      const state = states.get(key);
      return state ? state.active + state.waiters.length : 0;
    },
  };
}
