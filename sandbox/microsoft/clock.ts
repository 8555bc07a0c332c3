/** A controllable clock: tests move it forward to expire tokens, subscriptions and delta tokens. */
export interface SandboxClock {
  now(): number;
  advance(ms: number): void;
}

export function createSandboxClock(base: () => number = Date.now): SandboxClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}
