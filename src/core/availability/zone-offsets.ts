import { Temporal } from "temporal-polyfill";
import { DAY_MS } from "./wall-time.ts";

/**
 * A time zone's UTC offsets over a bounded range, read from Temporal once per zone and year (a handful
 * of `getTimeZoneTransition` calls) so that conversions in the hot loops are a scan over the few
 * transitions in range instead of a Temporal call each.
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

interface YearOffsets {
  /** Offset in force at 00:00 UTC on 1 January. */
  readonly startOffsetMs: number;
  /** Transitions inside the year: [instant, offset after]. */
  readonly transitions: ReadonlyArray<readonly [number, number]>;
}

/**
 * Temporal's answers per (zone, UTC year), kept across calls: the runtime's tz database does not change
 * while the process runs, so this is memoisation, not state. Without it, reading transitions cost about
 * 50 µs and 100 KiB of garbage per zone and request (half of a one-host request's time). Bounded: cleared
 * when it reaches the limit (~600 zones × a few years fit several times over).
 */
const yearCache = new Map<string, YearOffsets>();
const YEAR_CACHE_LIMIT = 8192;

function yearOffsets(timeZone: string, year: number): YearOffsets {
  const key = `${timeZone}|${year}`;
  let entry = yearCache.get(key);
  if (entry !== undefined) return entry;
  const endMs = Date.UTC(year + 1, 0, 1);
  let cursor = Temporal.Instant.fromEpochMilliseconds(Date.UTC(year, 0, 1)).toZonedDateTimeISO(timeZone);
  const transitions: Array<readonly [number, number]> = [];
  const startOffsetMs = cursor.offsetNanoseconds / 1e6;
  for (;;) {
    const next = cursor.getTimeZoneTransition("next");
    if (next === null || next.epochMilliseconds >= endMs) break;
    transitions.push([next.epochMilliseconds, next.offsetNanoseconds / 1e6]);
    cursor = next;
  }
  entry = { startOffsetMs, transitions };
  if (yearCache.size >= YEAR_CACHE_LIMIT) yearCache.clear();
  yearCache.set(key, entry);
  return entry;
}

/** Forget memoised zone data (benchmarks measure the cold path with it). */
export function clearZoneOffsetCache(): void {
  yearCache.clear();
}

/** Offsets for [fromMs, toMs]; conversions outside the range assume no further transitions. */
export function loadZoneOffsets(params: { timeZone: string; fromMs: number; toMs: number }): ZoneOffsets {
  const { timeZone, toMs } = params;
  // Transitions of the day before the range are kept too: a wall time just after the range starts can fall in the
  // overlap of a transition just before it (New York, 2025-11-02 01:30 read from 06:00Z), and its earlier
  // instant, the one Temporal's "compatible" picks, needs that transition's offsets.
  const fromMs = params.fromMs - DAY_MS;
  const firstYear = new Date(fromMs).getUTCFullYear();
  const lastYear = new Date(toMs).getUTCFullYear();
  let initialOffsetMs = yearOffsets(timeZone, firstYear).startOffsetMs;
  const transitionsMs: number[] = [];
  const offsetsAfterMs: number[] = [];
  const offsetsBeforeMs: number[] = [];
  const localKeysMs: number[] = [];
  let before = initialOffsetMs;
  const visit = (atMs: number, after: number): void => {
    if (atMs <= fromMs) {
      initialOffsetMs = after;
      before = after;
    } else if (atMs <= toMs && after !== before) {
      transitionsMs.push(atMs);
      offsetsAfterMs.push(after);
      offsetsBeforeMs.push(before);
      localKeysMs.push(atMs + Math.max(before, after));
      before = after;
    }
  };
  for (let year = firstYear; year <= lastYear; year++) {
    const offsets = yearOffsets(timeZone, year);
    // A transition exactly at 00:00 UTC on 1 January shows only as a changed start offset.
    if (year > firstYear) visit(Date.UTC(year, 0, 1), offsets.startOffsetMs);
    for (const [atMs, after] of offsets.transitions) visit(atMs, after);
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
