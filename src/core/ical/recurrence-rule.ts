import ICAL from "ical.js";
import { type IcalTime, readTimeList } from "./ical-time.ts";
import { wallFields, wallSeconds } from "./local-epoch.ts";
import { jumpedStart } from "./recurrence-jump.ts";
import { err, ok, type Result } from "./result.ts";
import { expandSimpleRule } from "./simple-recurrence.ts";

/** A parsed RRULE; UNTIL is kept apart because it must be moved into the series' wall clock first. */
export interface RecurrenceRule {
  text: string;
  until: IcalTime | null;
}

/**
 * Shared step budget, so that one file of absurd rules (FREQ=SECONDLY since 1970) cannot hang a request. An
 * ical.js step costs ICAL_STEP_COST units (it is ~100 times slower than a closed-form step).
 */
export interface ExpansionBudget {
  steps: number;
}

export const ICAL_STEP_COST = 25;

export interface RuleExpansion {
  starts: number[];
  /** True when the step budget ran out before the rule or the range ended. */
  capped: boolean;
  error: string | null;
}

export function parseRecurrenceRule(value: string): Result<RecurrenceRule, string> {
  const parts = value
    .trim()
    .replace(/^RRULE:/i, "")
    .split(";");
  const untilPart = parts.find((part) => /^UNTIL=/i.test(part));
  let until: IcalTime | null = null;
  if (untilPart) {
    const parsed = readTimeList({ name: "UNTIL", params: {}, value: untilPart.slice(6), line: 0 });
    const first = parsed.ok ? parsed.value[0] : undefined;
    if (!first) return err(`RRULE has an invalid UNTIL "${untilPart.slice(6)}"`);
    until = first.start;
  }
  const text = parts.filter((part) => part !== untilPart && part !== "").join(";");
  try {
    const recur = ICAL.Recur.fromString(text);
    if (!recur.freq) return err(`RRULE without FREQ: "${value}"`);
  } catch (error) {
    return err(`invalid RRULE "${value}": ${error instanceof Error ? error.message : String(error)}`);
  }
  return ok({ text, until });
}

/**
 * RFC 5545 section 3.3.10: a MONTHLY or YEARLY rule without day parts takes them from DTSTART, and dates that do
 * not exist (31 April, 29 February 2025) are skipped, not moved. ical.js moved them to the next month (a 29
 * February birthday showed up on 1 March); spelling the implicit parts out makes it skip them.
 */
function withImplicitDayParts(text: string, startLocal: number): string {
  const keys = new Set(text.split(";").map((part) => part.split("=")[0]!.toUpperCase()));
  const freq = /(?:^|;)FREQ=([A-Z]+)/i.exec(text)?.[1]?.toUpperCase();
  if (freq !== "MONTHLY" && freq !== "YEARLY") return text;
  if (["BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"].some((key) => keys.has(key))) return text;
  const start = new Date(startLocal * 1000);
  const parts = [text, `BYMONTHDAY=${start.getUTCDate()}`];
  if (freq === "YEARLY" && !keys.has("BYMONTH")) parts.push(`BYMONTH=${start.getUTCMonth() + 1}`);
  return parts.join(";");
}

function toIcalTime(localSeconds: number, allDay: boolean): ICAL.Time {
  const local = wallFields(localSeconds);
  return ICAL.Time.fromData({
    year: local.year,
    month: local.month,
    day: local.day,
    hour: allDay ? 0 : local.hour,
    minute: allDay ? 0 : local.minute,
    second: allDay ? 0 : local.second,
    isDate: allDay,
  });
}

function fromIcalTime(time: ICAL.Time): number {
  return wallSeconds(time.year, time.month, time.day, time.hour, time.minute, time.second);
}

/**
 * Expand an RRULE in wall-clock time (RFC 5545 section 3.3.10: the rule applies to the local time of DTSTART;
 * the zone is applied to each occurrence afterwards, which is what keeps 09:00 at 09:00 across DST). Returns
 * the starts that are `>= collectFrom` and `<= limit`; `untilLocal` is UNTIL already moved to the same wall clock.
 */
export function expandRecurrenceRule(params: {
  rule: RecurrenceRule;
  startLocal: number;
  allDay: boolean;
  untilLocal: number | null;
  collectFrom: number;
  limit: number;
  budget: ExpansionBudget;
}): RuleExpansion {
  const { rule, startLocal, allDay, untilLocal, collectFrom, limit, budget } = params;
  const simple = expandSimpleRule({
    ruleText: rule.text,
    startLocal,
    untilLocal,
    collectFrom,
    limit,
    budget,
  });
  if (simple) return simple;
  // ical.js walks SECONDLY..WEEKLY rules inside a single next() call until one matches, with no bound: a rule
  // nothing satisfies would hang the process. The closed form covers the sane shapes of these frequencies.
  if (/(?:^|;)FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY)(?:;|$)/i.test(rule.text)) {
    return {
      starts: [],
      capped: false,
      error: `RRULE "${rule.text}" is not supported; only DTSTART is used`,
    };
  }
  const starts: number[] = [];
  try {
    const ruleText = withImplicitDayParts(rule.text, startLocal);
    const recur = ICAL.Recur.fromString(ruleText);
    if (untilLocal !== null) recur.until = toIcalTime(untilLocal, allDay);
    const iterator = recur.iterator(toIcalTime(jumpedStart({ ruleText, startLocal, collectFrom }), allDay));
    for (;;) {
      if (budget.steps <= 0) return { starts, capped: true, error: null };
      budget.steps -= ICAL_STEP_COST;
      const next = iterator.next();
      if (!next) break;
      const local = fromIcalTime(next);
      if (local > limit) break;
      if (local >= collectFrom) starts.push(local);
    }
  } catch (error) {
    return { starts, capped: false, error: error instanceof Error ? error.message : String(error) };
  }
  return { starts, capped: false, error: null };
}
