/**
 * The sandbox's controllable clock: a base clock plus an offset that `POST /_sandbox/clock` advances
 * (so tests expire channels, codes and tokens without waiting) and `POST /_sandbox/reset` clears, so
 * one test's time travel cannot future-date the next test's id tokens.
 */
export interface SandboxClock {
  now(): number;
  advance(ms: number): void;
  reset(): void;
}

export function createSandboxClock(base: () => number = Date.now): SandboxClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance: (ms) => {
      offset += ms;
    },
    reset: () => {
      offset = 0;
    },
  };
}
