import { useRef } from "react";
import { useI18n } from "./i18n.ts";
import type { Month } from "./month-slots.ts";
import { firstDayOfWeek, formatDay, formatMonth, weekdayNames } from "./time-format.ts";

const pad = (value: number) => String(value).padStart(2, "0");
const dateOf = (year: number, month: number, day: number) => `${year}-${pad(month + 1)}-${pad(day)}`;

/**
 * The month grid: days with free times are buttons (their accessible name says how many), the others are plain
 * text. Arrow keys move between bookable days; one day is in the tab order (roving tabindex).
 */
export function MonthCalendar(props: {
  month: Month;
  today: string;
  days: Record<string, string[]> | undefined;
  selected: string | undefined;
  canGoBack: boolean;
  onMonth: (step: number) => void;
  onSelect: (date: string) => void;
}) {
  const { t, language } = useI18n();
  const grid = useRef<HTMLDivElement>(null);
  const { year, month } = props.month;
  const first = firstDayOfWeek(language === "en" ? navigator.language || "en-US" : language);
  const names = weekdayNames(language, first);
  const count = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(year, month, 1)).getUTCDay() - first + 7) % 7;
  const bookable = Object.keys(props.days ?? {}).sort();
  const focusTarget = props.selected && bookable.includes(props.selected) ? props.selected : bookable[0];

  const moveFocus = (from: string, step: number) => {
    const index = bookable.indexOf(from);
    const next = bookable[Math.min(Math.max(index + step, 0), bookable.length - 1)];
    grid.current?.querySelector<HTMLButtonElement>(`[data-date="${next}"]`)?.focus();
  };
  const onKeyDown = (event: React.KeyboardEvent, date: string) => {
    const steps: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 1, ArrowUp: -1 };
    if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      moveFocus(date, event.key === "Home" ? -99 : 99);
    } else if (steps[event.key] !== undefined) {
      event.preventDefault();
      // Up and down go a week at a time when the day a week away is bookable, otherwise to the next bookable day.
      const vertical = event.key === "ArrowDown" || event.key === "ArrowUp";
      if (vertical) {
        const day = Number(date.slice(8)) + (event.key === "ArrowDown" ? 7 : -7);
        const target = day >= 1 && day <= count ? dateOf(year, month, day) : undefined;
        if (target && bookable.includes(target)) {
          grid.current?.querySelector<HTMLButtonElement>(`[data-date="${target}"]`)?.focus();
          return;
        }
      }
      moveFocus(date, steps[event.key]!);
    }
  };

  const cells: React.ReactNode[] = [];
  for (let index = 0; index < lead; index += 1) cells.push(<div key={`lead-${index}`} role="presentation" />);
  for (let day = 1; day <= count; day += 1) {
    const date = dateOf(year, month, day);
    const free = props.days?.[date]?.length ?? 0;
    const name = formatDay(date, language, true);
    const isToday = date === props.today;
    const className = `day${isToday ? " today" : ""}${props.selected === date ? " selected" : ""}`;
    cells.push(
      free > 0 ? (
        <button
          key={date}
          type="button"
          data-date={date}
          className={`${className} free`}
          aria-label={free === 1 ? t("dayOne", { date: name }) : t("dayFree", { date: name, n: free })}
          aria-pressed={props.selected === date}
          aria-current={isToday ? "date" : undefined}
          tabIndex={date === focusTarget ? 0 : -1}
          onClick={() => props.onSelect(date)}
          onKeyDown={(event) => onKeyDown(event, date)}
        >
          {day}
        </button>
      ) : (
        <div key={date} className={className} aria-label={t("dayNone", { date: name })} role="img">
          {day}
        </div>
      ),
    );
  }

  return (
    <section className="calendar" aria-labelledby="calendar-heading">
      <div className="calendar-head">
        <h2 id="calendar-heading" aria-live="polite">
          {formatMonth(year, month, language)}
        </h2>
        <div className="month-nav">
          <button
            type="button"
            className="icon-button"
            aria-label={t("previousMonth")}
            disabled={!props.canGoBack}
            onClick={() => props.onMonth(-1)}
          >
            <svg aria-hidden="true" viewBox="0 0 20 20">
              <path d="M12.5 4.5 7 10l5.5 5.5" fill="none" stroke="currentColor" strokeWidth="2" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={t("nextMonth")}
            onClick={() => props.onMonth(1)}
          >
            <svg aria-hidden="true" viewBox="0 0 20 20">
              <path d="M7.5 4.5 13 10l-5.5 5.5" fill="none" stroke="currentColor" strokeWidth="2" />
            </svg>
          </button>
        </div>
      </div>
      <div className="weekdays" aria-hidden="true">
        {names.map((weekday) => (
          <div key={weekday}>{weekday}</div>
        ))}
      </div>
      <div className={props.days ? "days" : "days loading"} ref={grid} aria-busy={!props.days}>
        {cells}
      </div>
    </section>
  );
}
