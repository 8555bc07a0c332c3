import { Temporal } from "temporal-polyfill";
import { DAY_MS } from "./wall-time.ts";

/**
 * A time zone's UTC offsets over a bounded range, read from Temporal once (a handful of
 * `getTimeZoneTransition` calls per zone and request) so that conversions in the hot loops are a scan
 * over the few transitions in range instead of a Temporal call each.
 */
export interface ZoneOffsets {
  readonly timeZone: string;
  /** Offset (ms) in force before the first transition. */
  readonly initialOffsetMs: number;
  /** Transition instants, ascending. */
  readonly transitionsMs: readonly number[];
  /** Offset after each transition. */
  readonly offsetsAfterMs: readonly number[];
  /** Offset before each transition. */
  readonly offsetsBeforeMs: readonly number[];
  /**
   * For each transition, the first local wall time (as local ms) that is unambiguously after it:
   * transition + max(offset before, offset after). Local times before that key, and after the previous
   * key, resolve with the offset before the transition.
   */
  readonly localKeysMs: readonly number[];
}

/** Load offsets for [fromMs, toMs]; conversions outside the range assume no further transitions. */
export function loadZoneOffsets(params: { timeZone: string; fromMs: number; toMs: number }): ZoneOffsets {
  const { timeZone, fromMs, toMs } = params;
  let cursor = Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(timeZone);
  const initialOffsetMs = cursor.offsetNanoseconds / 1e6;
  const transitionsMs: number[] = [];
  const offsetsAfterMs: number[] = [];
  const offsetsBeforeMs: number[] = [];
  const localKeysMs: number[] = [];
  let before = initialOffsetMs;
  for (;;) {
    const next = cursor.getTimeZoneTransition("next");
    if (next === null || next.epochMilliseconds > toMs) break;
    const after = next.offsetNanoseconds / 1e6;
    transitionsMs.push(next.epochMilliseconds);
    offsetsAfterMs.push(after);
    offsetsBeforeMs.push(before);
    localKeysMs.push(next.epochMilliseconds + Math.max(before, after));
    before = after;
    cursor = next;
  }
  return { timeZone, initialOffsetMs, transitionsMs, offsetsAfterMs, offsetsBeforeMs, localKeysMs };
}

/** UTC offset (ms) in force at an instant. */
export function offsetAt(zone: ZoneOffsets, instantMs: number): number {
  let offset = zone.initialOffsetMs;
  const transitions = zone.transitionsMs;
  for (let i = 0; i < transitions.length && (transitions[i] as number) <= instantMs; i++) {
    offset = zone.offsetsAfterMs[i] as number;
  }
  return offset;
}

/** Local wall time (ms since 1970-01-01T00:00 local) of an instant. */
export function instantToLocal(zone: ZoneOffsets, instantMs: number): number {
  return instantMs + offsetAt(zone, instantMs);
}

/** Local date (epoch day) of an instant. */
export function localEpochDay(zone: ZoneOffsets, instantMs: number): number {
  return Math.floor(instantToLocal(zone, instantMs) / DAY_MS);
}

/**
 * Local wall time to instant with RFC 5545 section 3.3.5 / Temporal "compatible" disambiguation: a time in
 * a gap (spring forward) uses the offset before the gap, which moves it forward by the gap's length; an
 * ambiguous time (fall back) uses the offset before the transition, i.e. the earlier instant. Both cases
 * reduce to "use the offset before the first transition whose unambiguous-after key is later".
 */
export function localToInstant(zone: ZoneOffsets, localMs: number): number {
  const keys = zone.localKeysMs;
  for (let i = 0; i < keys.length; i++) {
    if (localMs < (keys[i] as number)) return localMs - (zone.offsetsBeforeMs[i] as number);
  }
  const last = zone.offsetsAfterMs.length - 1;
  return localMs - (last >= 0 ? (zone.offsetsAfterMs[last] as number) : zone.initialOffsetMs);
}

/** One load per zone per request, shared by all hosts in that zone. */
export function createZoneCache(params: { fromMs: number; toMs: number }): (timeZone: string) => ZoneOffsets {
  const cache = new Map<string, ZoneOffsets>();
  return (timeZone) => {
    let zone = cache.get(timeZone);
    if (zone === undefined) {
      zone = loadZoneOffsets({ timeZone, fromMs: params.fromMs, toMs: params.toMs });
      cache.set(timeZone, zone);
    }
    return zone;
  };
}
