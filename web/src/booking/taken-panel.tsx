import { useEffect, useRef } from "react";
import { api, call } from "../shared/api.ts";
import { useI18n } from "../shared/i18n.ts";
import type { PickedSlot } from "../shared/slot-picker.tsx";
import { type Clock, formatDay, formatTime, localDate } from "../shared/time-format.ts";

/** The chosen time went to someone else: say so kindly and offer the nearest free times, one click each. */
export function TakenPanel(props: {
  taken: string;
  nearby: PickedSlot[];
  zone: string;
  clock: Clock;
  busy: boolean;
  onTake: (slot: PickedSlot) => void;
  onPickAnother: () => void;
}) {
  const { t, language } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const label = (instant: string) =>
    `${formatDay(localDate(new Date(instant), props.zone), language)}, ${formatTime(instant, props.zone, language, props.clock)}`;
  return (
    <section className="taken" aria-labelledby="taken-heading">
      <div className="taken-mark" aria-hidden="true">
        !
      </div>
      <h2 id="taken-heading" ref={heading} tabIndex={-1}>
        {t("takenTitle")}
      </h2>
      {props.nearby.length > 0 ? (
        <>
          <p>{t("takenText", { time: label(props.taken) })}</p>
          <ul className="slots nearby">
            {props.nearby.map((slot) => (
              <li key={slot.start}>
                <button
                  type="button"
                  className="slot"
                  disabled={props.busy}
                  onClick={() => props.onTake(slot)}
                >
                  {t("takeThisTime", { time: label(slot.start) })}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t("noNearby")}</p>
      )}
      <button type="button" className="button link" onClick={props.onPickAnother}>
        {t("pickAnother")}
      </button>
    </section>
  );
}

/** The free times closest to a lost one (three days either side), nearest first. */
export async function nearbySlots(params: {
  tenantSlug: string;
  eventTypeSlug: string;
  zone: string;
  duration: number | undefined;
  around: string;
}): Promise<PickedSlot[]> {
  const around = Date.parse(params.around);
  const answer = await call(() =>
    api.GET("/v1/public/{tenantSlug}/{eventTypeSlug}/slots", {
      params: {
        path: { tenantSlug: params.tenantSlug, eventTypeSlug: params.eventTypeSlug },
        query: {
          from: new Date(Math.max(Date.now(), around - 3 * 86_400_000)).toISOString(),
          to: new Date(around + 4 * 86_400_000).toISOString(),
          timeZone: params.zone,
          ...(params.duration === undefined ? {} : { duration: params.duration }),
        },
      },
    }),
  );
  if (!answer.ok) return [];
  return answer.data.slots
    .filter((slot) => Date.parse(slot.start) !== around)
    .sort((a, b) => Math.abs(Date.parse(a.start) - around) - Math.abs(Date.parse(b.start) - around))
    .slice(0, 5)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}
