/**
 * The sandbox's controllable clock: a base clock plus an offset that `POST /_sandbox/clock` advances,
 * so tests can expire channels, codes and tokens without waiting.
 */
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
