import { useCallback, useEffect, useState } from "react";
import { api, call, type Failure } from "./api.ts";

export interface Seats {
  total: number;
  left: number;
}

export interface MonthSlots {
  /** Local date ("2030-03-04", in the visitor's zone) → slot starts, only dates of the month. */
  days: Record<string, string[]>;
  ends: Record<string, string>;
  seats: Record<string, Seats>;
  reason?: string;
}

export interface Month {
  year: number;
  /** 0-11 */
  month: number;
}

export const addMonths = (value: Month, count: number): Month => {
  const index = value.year * 12 + value.month + count;
  return { year: Math.floor(index / 12), month: index % 12 };
};
export const monthKey = (value: Month) => `${value.year}-${String(value.month + 1).padStart(2, "0")}`;

interface Query {
  tenantSlug: string;
  eventTypeSlug: string;
  zone: string;
  duration: number | undefined;
}

type Entry = {
  at: number;
  promise: Promise<{ ok: true; data: MonthSlots } | { ok: false; failure: Failure }>;
};
const cache = new Map<string, Entry>();
const keyOf = (query: Query, month: Month) =>
  JSON.stringify([query.tenantSlug, query.eventTypeSlug, query.zone, query.duration, monthKey(month)]);

/** One request per visible month: the month's days in any zone lie within its UTC bounds ± 14 hours. */
async function fetchMonth(query: Query, month: Month) {
  const from = new Date(Date.UTC(month.year, month.month, 1) - 14 * 3_600_000).toISOString();
  const to = new Date(Date.UTC(month.year, month.month + 1, 1) + 14 * 3_600_000).toISOString();
  const answer = await call(() =>
    api.GET("/v1/public/{tenantSlug}/{eventTypeSlug}/slots", {
      params: {
        path: { tenantSlug: query.tenantSlug, eventTypeSlug: query.eventTypeSlug },
        query: {
          from,
          to,
          timeZone: query.zone,
          ...(query.duration === undefined ? {} : { duration: query.duration }),
        },
      },
    }),
  );
  if (!answer.ok) return answer;
  const prefix = monthKey(month);
  const days: Record<string, string[]> = {};
  for (const [date, starts] of Object.entries(answer.data.days))
    if (date.startsWith(prefix) && starts.length > 0) days[date] = starts;
  const ends: Record<string, string> = {};
  const seats: Record<string, Seats> = {};
  for (const slot of answer.data.slots as Array<{ start: string; end: string; seats?: Seats }>) {
    ends[slot.start] = slot.end;
    if (slot.seats) seats[slot.start] = slot.seats;
  }
  return {
    ok: true as const,
    data: { days, ends, seats, ...(answer.data.reason ? { reason: answer.data.reason.code } : {}) },
  };
}

function load(query: Query, month: Month, fresh = false) {
  const key = keyOf(query, month);
  const cached = cache.get(key);
  if (cached && !fresh) return cached.promise;
  const promise = fetchMonth(query, month);
  cache.set(key, { at: Date.now(), promise });
  // A failed answer is not kept: the retry asks again.
  promise.then((result) => {
    if (!result.ok && cache.get(key)?.promise === promise) cache.delete(key);
  });
  return promise;
}

/** Forgets every month of an event type (after a booking or a lost slot). */
export function forgetSlots(): void {
  cache.clear();
}

/**
 * The visible month's slots, fetched once; the next month is prefetched as soon as this one arrives, and the
 * month is asked again when the window regains focus after a minute (others book meanwhile).
 */
export function useMonthSlots(query: Query, month: Month) {
  type State =
    | { status: "loading" }
    | { status: "ready"; data: MonthSlots }
    | { status: "failed"; failure: Failure };
  const [answer, setState] = useState<State & { key?: string }>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const { tenantSlug, eventTypeSlug, zone, duration } = query;

  useEffect(() => {
    let live = true;
    const current = { tenantSlug, eventTypeSlug, zone, duration };
    setState({ status: "loading" });
    const key = keyOf(current, month);
    load(current, month, attempt > 0).then((result) => {
      if (!live) return;
      setState(
        result.ok
          ? { status: "ready", data: result.data, key }
          : { status: "failed", failure: result.failure, key },
      );
      if (result.ok) void load(current, addMonths(month, 1));
    });
    return () => {
      live = false;
    };
  }, [tenantSlug, eventTypeSlug, zone, duration, month, attempt]);

  useEffect(() => {
    const onFocus = () => {
      const entry = cache.get(keyOf({ tenantSlug, eventTypeSlug, zone, duration }, month));
      if (entry && Date.now() - entry.at > 60_000) setAttempt((value) => value + 1);
    };
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [tenantSlug, eventTypeSlug, zone, duration, month]);

  // An answer for another month or zone (the render before the effect catches up) is not shown as this one's.
  const state: State =
    answer.key === keyOf({ tenantSlug, eventTypeSlug, zone, duration }, month)
      ? answer
      : { status: "loading" };
  const reload = useCallback(() => {
    setState({ status: "loading" });
    setAttempt((value) => value + 1);
  }, []);
  return { state, reload };
}
