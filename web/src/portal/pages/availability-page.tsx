import { useEffect, useId, useState } from "react";
import { api, ok, type Session } from "../api.ts";
import {
  browserTimeZone,
  formatDay,
  formatTime,
  isoToZonedDate,
  timeZones,
  weekdayName,
  zonedToIso,
} from "../format.ts";
import { useI18n } from "../i18n.tsx";
import { useLoad } from "../use-load.ts";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Interval = [string, string];
interface OooRange {
  first: string;
  last: string;
  reason: string;
}
interface Draft {
  timeZone: string;
  weekly: Record<string, Interval[]>;
  overrides: Array<{ date: string; intervals: Interval[] }>;
  outOfOffice: OooRange[];
}

const DEFAULT_DRAFT = (): Draft => ({
  timeZone: browserTimeZone(),
  weekly: Object.fromEntries(DAYS.map((day, index) => [day, index < 5 ? [["09:00", "17:00"]] : []])),
  overrides: [],
  outOfOffice: [],
});

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The schedule as the editor holds it: out-of-office as whole local days. */
function draftOf(schedule: {
  timeZone: string;
  weekly: Record<string, string[][]>;
  overrides: Array<{ date: string; intervals: string[][] }>;
  outOfOffice: Array<{ start: string; end: string; reason?: string | undefined }>;
}): Draft {
  return {
    timeZone: schedule.timeZone,
    weekly: Object.fromEntries(DAYS.map((day) => [day, (schedule.weekly[day] ?? []) as Interval[]])),
    overrides: schedule.overrides.map((override) => ({
      date: override.date,
      intervals: override.intervals as Interval[],
    })),
    outOfOffice: schedule.outOfOffice.map((range) => ({
      first: isoToZonedDate(range.start, schedule.timeZone),
      last: isoToZonedDate(new Date(Date.parse(range.end) - 1).toISOString(), schedule.timeZone),
      reason: range.reason ?? "",
    })),
  };
}

function bodyOf(draft: Draft) {
  return {
    name: "Working hours",
    isDefault: true,
    timeZone: draft.timeZone,
    weekly: Object.fromEntries(DAYS.map((day) => [day, draft.weekly[day] ?? []])),
    overrides: draft.overrides,
    outOfOffice: draft.outOfOffice
      .filter((range) => range.first && range.last)
      .map((range) => ({
        start: zonedToIso(range.first, "00:00", draft.timeZone),
        end: zonedToIso(addDays(range.last, 1), "00:00", draft.timeZone),
        ...(range.reason.trim() ? { reason: range.reason.trim() } : {}),
      })),
  };
}

function validIntervals(intervals: Interval[]): boolean {
  return intervals.every(([start, end]) => start && end && (end === "00:00" || end > start));
}

/** Availability: the weekly hours editor, zone, date overrides and out-of-office, with the resulting slots beside it. */
export function AvailabilityPage({ session }: { session: Session }) {
  const { t, lang } = useI18n();
  const hostId = session.host.id;
  const schedules = useLoad(
    async () =>
      ok(await api.GET("/portal/api/hosts/{hostId}/schedules", { params: { path: { hostId } } }), t("retry"))
        .data,
    [hostId],
  );
  const current = schedules.data?.find((schedule) => schedule.isDefault) ?? schedules.data?.[0];
  const [draft, setDraft] = useState<Draft | undefined>();
  const [status, setStatus] = useState<
    { kind: "idle" | "saving" | "saved" } | { kind: "error"; message: string }
  >({
    kind: "idle",
  });
  const [previewVersion, setPreviewVersion] = useState(0);

  useEffect(() => {
    if (schedules.data && !draft) setDraft(current ? draftOf(current) : DEFAULT_DRAFT());
  }, [schedules.data, current, draft]);

  if (schedules.error)
    return (
      <p className="notice error" role="alert">
        {schedules.error}
      </p>
    );
  if (!draft) return <p className="muted">{t("loading")}</p>;

  const update = (change: (draft: Draft) => Draft) => {
    setDraft((previous) => (previous ? change(previous) : previous));
    setStatus({ kind: "idle" });
  };
  const allValid =
    DAYS.every((day) => validIntervals(draft.weekly[day] ?? [])) &&
    draft.overrides.every((override) => override.date && validIntervals(override.intervals));

  const save = async () => {
    if (!allValid) {
      setStatus({ kind: "error", message: t("invalidTimes") });
      return;
    }
    setStatus({ kind: "saving" });
    try {
      const body = bodyOf(draft);
      if (current)
        ok(
          await api.PUT("/portal/api/hosts/{hostId}/schedules/{scheduleId}", {
            params: { path: { hostId, scheduleId: current.id } },
            body,
          }),
          t("retry"),
        );
      else
        ok(
          await api.POST("/portal/api/hosts/{hostId}/schedules", { params: { path: { hostId } }, body }),
          t("retry"),
        );
      await schedules.reload();
      setStatus({ kind: "saved" });
      setPreviewVersion((version) => version + 1);
    } catch (problem) {
      setStatus({ kind: "error", message: (problem as Error).message });
    }
  };

  return (
    <>
      <h1>{t("availabilityTitle")}</h1>
      <p className="lead">{t("availabilityLead")}</p>
      <div className="availability-layout">
        <div className="editor">
          <section className="card section-card" aria-labelledby="weekly-heading">
            <div className="section-head">
              <h2 id="weekly-heading">{t("weeklyTitle")}</h2>
              <TimeZoneField
                value={draft.timeZone}
                onChange={(timeZone) => update((d) => ({ ...d, timeZone }))}
              />
            </div>
            <ul className="week">
              {DAYS.map((day, index) => (
                <li key={day}>
                  <DayRow
                    label={weekdayName(index, lang)}
                    intervals={draft.weekly[day] ?? []}
                    onChange={(intervals) =>
                      update((d) => ({ ...d, weekly: { ...d.weekly, [day]: intervals } }))
                    }
                  />
                </li>
              ))}
            </ul>
          </section>
          <OverridesSection draft={draft} update={update} />
          <OutOfOfficeSection draft={draft} update={update} />
          <div className="save-bar">
            <button
              type="button"
              className="button primary"
              onClick={() => void save()}
              disabled={status.kind === "saving"}
            >
              {status.kind === "saving" ? t("saving") : t("save")}
            </button>
            <span role="status" className={status.kind === "error" ? "field-error" : "muted"}>
              {status.kind === "saved" ? `✓ ${t("saved")}` : status.kind === "error" ? status.message : ""}
            </span>
          </div>
        </div>
        <SlotsPreview
          hostId={hostId}
          timeZone={current?.timeZone ?? draft.timeZone}
          version={previewVersion}
        />
      </div>
    </>
  );
}

function TimeZoneField({ value, onChange }: { value: string; onChange: (zone: string) => void }) {
  const { t } = useI18n();
  const zones = timeZones();
  return (
    <label className="field inline">
      <span>{t("timeZone")}</span>
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {(zones.includes(value) ? zones : [value, ...zones]).map((zone) => (
          <option key={zone} value={zone}>
            {zone.replaceAll("_", " ")}
          </option>
        ))}
      </select>
    </label>
  );
}

function minutes(clock: string): number {
  const [hours, mins] = clock.split(":").map(Number);
  return (hours ?? 0) * 60 + (mins ?? 0);
}

/** The day's hours drawn on a 24-hour bar (decorative: the inputs carry the same information). */
function DayBar({ intervals }: { intervals: Interval[] }) {
  return (
    <div className="day-bar" aria-hidden="true">
      {intervals.map(([start, end]) => {
        const from = minutes(start);
        const to = end === "00:00" ? 1440 : minutes(end);
        if (!(to > from)) return null;
        return (
          <span
            key={`${start}-${end}`}
            className="day-bar-fill"
            style={{ left: `${(from / 1440) * 100}%`, width: `${((to - from) / 1440) * 100}%` }}
          />
        );
      })}
      <span className="day-bar-tick" style={{ left: "25%" }} />
      <span className="day-bar-tick" style={{ left: "50%" }} />
      <span className="day-bar-tick" style={{ left: "75%" }} />
    </div>
  );
}

function IntervalsEditor(props: {
  label: string;
  intervals: Interval[];
  onChange: (intervals: Interval[]) => void;
}) {
  const { t } = useI18n();
  const { intervals, onChange } = props;
  return (
    <div className="intervals">
      {intervals.map(([start, end], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: intervals have no identity besides their place
        <div className="interval" key={index}>
          <input
            type="time"
            value={start}
            aria-label={`${props.label}: ${t("from")}`}
            onChange={(event) =>
              onChange(
                intervals.map((interval, i) => (i === index ? [event.target.value, interval[1]] : interval)),
              )
            }
          />
          <span aria-hidden="true">–</span>
          <input
            type="time"
            value={end}
            aria-label={`${props.label}: ${t("to")}`}
            aria-invalid={validIntervals([[start, end]]) ? undefined : true}
            onChange={(event) =>
              onChange(
                intervals.map((interval, i) => (i === index ? [interval[0], event.target.value] : interval)),
              )
            }
          />
          <button
            type="button"
            className="icon-button"
            aria-label={t("removeInterval", { from: start, to: end, day: props.label })}
            onClick={() => onChange(intervals.filter((_, i) => i !== index))}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          const last = intervals.at(-1);
          const next: Interval =
            last && minutes(last[1]) <= 22 * 60
              ? [last[1], `${String(Math.min(23, minutes(last[1]) / 60 + 1)).padStart(2, "0")}:00`]
              : ["09:00", "17:00"];
          onChange([...intervals, next]);
        }}
      >
        + {t("addInterval")}
      </button>
    </div>
  );
}

function DayRow(props: { label: string; intervals: Interval[]; onChange: (intervals: Interval[]) => void }) {
  const { t } = useI18n();
  const id = useId();
  const on = props.intervals.length > 0;
  return (
    <div className={`day-row${on ? "" : " off"}`}>
      <div className="day-name">
        <input
          id={id}
          type="checkbox"
          checked={on}
          onChange={(event) => props.onChange(event.target.checked ? [["09:00", "17:00"]] : [])}
        />
        <label htmlFor={id}>{props.label}</label>
      </div>
      <div className="day-detail">
        {on ? (
          <IntervalsEditor label={props.label} intervals={props.intervals} onChange={props.onChange} />
        ) : (
          <span className="muted">{t("unavailable")}</span>
        )}
        <DayBar intervals={props.intervals} />
      </div>
    </div>
  );
}

type Update = (change: (draft: Draft) => Draft) => void;

function OverridesSection({ draft, update }: { draft: Draft; update: Update }) {
  const { t, lang } = useI18n();
  const today = isoToZonedDate(new Date().toISOString(), draft.timeZone);
  const set = (index: number, next: { date: string; intervals: Interval[] }) =>
    update((d) => ({ ...d, overrides: d.overrides.map((o, i) => (i === index ? next : o)) }));
  return (
    <section className="card section-card" aria-labelledby="overrides-heading">
      <h2 id="overrides-heading">{t("overridesTitle")}</h2>
      <p className="muted small">{t("overridesHelp")}</p>
      <ul className="plain-list">
        {draft.overrides.map((override, index) => {
          const label = override.date ? formatDay(override.date, lang) : t("date");
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: overrides are edited in place
            <li key={index} className="override-row">
              <label className="field inline">
                <span>{t("date")}</span>
                <input
                  type="date"
                  value={override.date}
                  min={today}
                  required
                  onChange={(event) => set(index, { ...override, date: event.target.value })}
                />
              </label>
              <div className="override-hours">
                {override.intervals.length === 0 && <span className="muted">{t("dayOff")}</span>}
                <IntervalsEditor
                  label={label}
                  intervals={override.intervals}
                  onChange={(intervals) => set(index, { ...override, intervals })}
                />
              </div>
              <button
                type="button"
                className="button ghost small"
                onClick={() =>
                  update((d) => ({ ...d, overrides: d.overrides.filter((_, i) => i !== index) }))
                }
              >
                {t("remove")}
              </button>
            </li>
          );
        })}
      </ul>
      <button
        type="button"
        className="button"
        onClick={() =>
          update((d) => ({ ...d, overrides: [...d.overrides, { date: addDays(today, 7), intervals: [] }] }))
        }
      >
        + {t("addOverride")}
      </button>
    </section>
  );
}

function OutOfOfficeSection({ draft, update }: { draft: Draft; update: Update }) {
  const { t } = useI18n();
  const today = isoToZonedDate(new Date().toISOString(), draft.timeZone);
  const set = (index: number, next: OooRange) =>
    update((d) => ({ ...d, outOfOffice: d.outOfOffice.map((o, i) => (i === index ? next : o)) }));
  return (
    <section className="card section-card" aria-labelledby="ooo-heading">
      <h2 id="ooo-heading">{t("oooTitle")}</h2>
      <p className="muted small">{t("oooHelp")}</p>
      <ul className="plain-list">
        {draft.outOfOffice.map((range, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: ranges are edited in place
          <li key={index} className="ooo-row">
            <label className="field inline">
              <span>{t("firstDay")}</span>
              <input
                type="date"
                value={range.first}
                required
                onChange={(event) => set(index, { ...range, first: event.target.value })}
              />
            </label>
            <label className="field inline">
              <span>{t("lastDay")}</span>
              <input
                type="date"
                value={range.last}
                min={range.first}
                required
                onChange={(event) => set(index, { ...range, last: event.target.value })}
              />
            </label>
            <label className="field inline grow">
              <span>{t("reason")}</span>
              <input
                type="text"
                value={range.reason}
                maxLength={500}
                onChange={(event) => set(index, { ...range, reason: event.target.value })}
              />
            </label>
            <button
              type="button"
              className="button ghost small"
              onClick={() =>
                update((d) => ({ ...d, outOfOffice: d.outOfOffice.filter((_, i) => i !== index) }))
              }
            >
              {t("remove")}
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="button"
        onClick={() =>
          update((d) => ({
            ...d,
            outOfOffice: [
              ...d.outOfOffice,
              { first: addDays(today, 14), last: addDays(today, 18), reason: "" },
            ],
          }))
        }
      >
        + {t("addOoo")}
      </button>
    </section>
  );
}

/** The host's free slots for the next 14 days, as saved (read again after each save). */
export function SlotsPreview(props: {
  hostId: string;
  timeZone: string;
  version: number;
  duration?: number;
  onPick?: (start: string) => void;
  heading?: string;
}) {
  const { t, lang } = useI18n();
  const [duration, setDuration] = useState(props.duration ?? 30);
  const preview = useLoad(
    async () =>
      ok(
        await api.GET("/portal/api/hosts/{hostId}/slots-preview", {
          params: { path: { hostId: props.hostId }, query: { timeZone: props.timeZone, duration, days: 14 } },
        }),
        t("retry"),
      ),
    [props.hostId, props.timeZone, duration, props.version],
  );
  const days = Object.entries(preview.data?.days ?? {});
  const headingId = useId();
  return (
    <aside className="card preview" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId}>{props.heading ?? t("previewTitle")}</h2>
        {props.duration === undefined && (
          <label className="field inline">
            <span>{t("previewDuration")}</span>
            <select value={duration} onChange={(event) => setDuration(Number(event.target.value))}>
              {[15, 30, 45, 60, 90].map((n) => (
                <option key={n} value={n}>
                  {t("minutes", { n })}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p className="muted small">{props.timeZone.replaceAll("_", " ")}</p>
      {preview.error && (
        <p className="notice error" role="alert">
          {preview.error}
        </p>
      )}
      {preview.data && days.length === 0 && <p className="empty">{t("previewEmpty")}</p>}
      <ul className="preview-days" aria-live="polite">
        {days.map(([date, starts]) => (
          <li key={date} className="preview-day">
            <div className="preview-date">
              <strong>{formatDay(date, lang)}</strong>
              <span className="muted small">{t("slotsCount", { n: starts.length })}</span>
            </div>
            <ul className="slot-chips">
              {starts.map((start) => (
                <li key={start}>
                  {props.onPick ? (
                    <button type="button" className="slot-chip pick" onClick={() => props.onPick?.(start)}>
                      {formatTime(start, lang, props.timeZone)}
                    </button>
                  ) : (
                    <span className="slot-chip">{formatTime(start, lang, props.timeZone)}</span>
                  )}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </aside>
  );
}
