import { useEffect, useMemo, useRef, useState } from "react";
import { useI18n } from "./i18n.ts";
import { MonthCalendar } from "./month-calendar.tsx";
import { addMonths, type Month, useMonthSlots } from "./month-slots.ts";
import { FailureNotice } from "./notice.tsx";
import { type Clock, formatDay, formatTime, localDate } from "./time-format.ts";
import { TimeZoneSelect } from "./time-zone-select.tsx";

export interface PickedSlot {
  start: string;
  end: string;
}

/** Where the month starts: `?month=2030-03` / `?date=2030-03-04` from the link, otherwise this month. */
export function initialMonth(
  search: string,
  today: string,
  around?: string,
): { month: Month; date?: string } {
  const query = new URLSearchParams(search);
  const date = query.get("date") ?? (around && around >= today ? around : null);
  const month = query.get("month") ?? date?.slice(0, 7);
  const match = /^(\d{4})-(\d{2})$/.exec(month ?? "");
  if (match && `${month}` >= today.slice(0, 7))
    return {
      month: { year: Number(match[1]), month: Number(match[2]) - 1 },
      ...(date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? { date } : {}),
    };
  return { month: { year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) - 1 } };
}

/**
 * The month calendar with the chosen day's times, the zone switcher and the 12/24 h toggle: the booking page and
 * the reschedule page share it.
 */
export function SlotPicker(props: {
  tenantSlug: string;
  eventTypeSlug: string;
  duration: number | undefined;
  zone: string;
  clock: Clock;
  onZone: (zone: string) => void;
  onClock: (clock: Clock) => void;
  onPick: (slot: PickedSlot) => void;
  /** A start not to offer (the booking's current time, when rescheduling). */
  exclude?: string;
}) {
  const { t, language } = useI18n();
  const today = localDate(new Date(), props.zone);
  const around = props.exclude ? localDate(new Date(props.exclude), props.zone) : undefined;
  const start = useMemo(() => initialMonth(window.location.search, today, around), [today, around]);
  const [month, setMonth] = useState<Month>(start.month);
  const [selected, setSelected] = useState<string | undefined>(start.date);
  const { state, reload } = useMonthSlots(
    {
      tenantSlug: props.tenantSlug,
      eventTypeSlug: props.eventTypeSlug,
      zone: props.zone,
      duration: props.duration,
    },
    month,
  );
  const slotsHeading = useRef<HTMLHeadingElement>(null);

  const days = useMemo(() => {
    if (state.status !== "ready") return undefined;
    if (!props.exclude) return state.data.days;
    const filtered: Record<string, string[]> = {};
    for (const [date, starts] of Object.entries(state.data.days)) {
      const left = starts.filter((slot) => Date.parse(slot) !== Date.parse(props.exclude!));
      if (left.length > 0) filtered[date] = left;
    }
    return filtered;
  }, [state, props.exclude]);

  // The first free day of the month is chosen for the visitor unless they chose one (or the link named one).
  useEffect(() => {
    if (!days || (selected && days[selected])) return;
    setSelected(Object.keys(days).sort()[0]);
  }, [days, selected]);

  const canGoBack =
    month.year * 12 + month.month > Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1;
  const times = selected && days ? (days[selected] ?? []) : [];
  const seats = state.status === "ready" ? state.data.seats : {};
  const ends = state.status === "ready" ? state.data.ends : {};
  const locale = language;
  const noneThisMonth = days !== undefined && Object.keys(days).length === 0;

  return (
    <div className="picker">
      <div className="picker-calendar">
        <MonthCalendar
          month={month}
          today={today}
          days={days}
          selected={selected}
          canGoBack={canGoBack}
          onMonth={(step) => {
            setMonth((value) => addMonths(value, step));
            setSelected(undefined);
          }}
          onSelect={(date) => {
            setSelected(date);
            // On small screens the times are below the calendar: bring them into view for sighted users.
            window.requestAnimationFrame(() => slotsHeading.current?.scrollIntoView?.({ block: "nearest" }));
          }}
        />
        {state.status === "failed" ? <FailureNotice failure={state.failure} onRetry={reload} /> : null}
        {noneThisMonth ? (
          <div className="notice">
            <p>{t("noTimesThisMonth")}</p>
            <button
              type="button"
              className="button secondary"
              onClick={() => setMonth((value) => addMonths(value, 1))}
            >
              {t("nextMonth")}
            </button>
          </div>
        ) : null}
        <div className="picker-settings">
          <TimeZoneSelect value={props.zone} onChange={props.onZone} />
          <fieldset className="clock-toggle">
            <legend className="field-label">{t("timeFormat")}</legend>
            <div className="segmented">
              {(["12", "24"] as const).map((clock) => (
                <button
                  key={clock}
                  type="button"
                  aria-pressed={props.clock === clock}
                  onClick={() => props.onClock(clock)}
                >
                  {t(clock === "12" ? "clock12" : "clock24")}
                </button>
              ))}
            </div>
          </fieldset>
        </div>
      </div>
      <section className="picker-times" aria-labelledby="times-heading">
        <h2 id="times-heading" ref={slotsHeading} tabIndex={-1}>
          {selected ? formatDay(selected, locale) : t("selectDate")}
        </h2>
        {state.status === "loading" ? (
          <ul className="slots" aria-busy="true" aria-label={t("loading")}>
            {[0, 1, 2, 3, 4].map((index) => (
              <li key={index} className="slot-skeleton" />
            ))}
          </ul>
        ) : times.length === 0 ? (
          <p className="muted">{t("noTimesDay")}</p>
        ) : (
          <ul className="slots">
            {times.map((slot) => {
              const time = formatTime(slot, props.zone, locale, props.clock);
              const seat = seats[slot];
              return (
                <li key={slot}>
                  <button
                    type="button"
                    className="slot"
                    aria-label={`${formatDay(selected!, locale)}, ${time}${seat ? `, ${t("seatsLeft", { left: seat.left, total: seat.total })}` : ""}`}
                    onClick={() => props.onPick({ start: slot, end: ends[slot] ?? slot })}
                  >
                    <span className="slot-time">{time}</span>
                    {seat ? (
                      <span className={seat.left <= Math.max(1, seat.total / 4) ? "seats low" : "seats"}>
                        {t("seatsLeft", { left: seat.left, total: seat.total })}
                      </span>
                    ) : null}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
