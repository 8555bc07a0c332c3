import type { Occurrence } from "../core/ical/occurrence.ts";
import type { SourceEventDetails } from "../core/sync/calendar-source.ts";

/**
 * An iCalendar occurrence's details for the agenda, in the words the Graph and Google mappers use. CLASS PRIVATE or
 * CONFIDENTIAL hides title, location and link as Outlook's and Google's private events do.
 */
export function icalEventDetails(
  occurrence: Occurrence,
  ours: SourceEventDetails["ours"],
): SourceEventDetails {
  const agenda = occurrence.agenda;
  const hidden = agenda?.classification === "PRIVATE" || agenda?.classification === "CONFIDENTIAL";
  return {
    title: hidden ? null : occurrence.summary?.trim() || null,
    location: hidden ? null : (agenda?.location ?? null),
    timeZone: occurrence.allDay ? null : (occurrence.timeZone ?? null),
    organizer: agenda?.organizer?.toLowerCase() ?? null,
    attendeeCount: agenda?.attendeeCount ?? 0,
    onlineMeetingUrl: hidden ? null : (agenda?.onlineMeetingUrl ?? null),
    showAs:
      occurrence.transparency === "TRANSPARENT"
        ? "free"
        : occurrence.status === "TENTATIVE"
          ? "tentative"
          : "busy",
    ours,
  };
}
