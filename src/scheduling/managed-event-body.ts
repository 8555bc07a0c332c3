import type { ManagedEventRow, ManagedWriteRow } from "../store/managed-events-repository.ts";

/** A managed event as the API answers it and webhooks carry it, with the write state per connection. */
export function managedEventBody(event: ManagedEventRow, writes: ManagedWriteRow[]) {
  const own = writes.filter((write) => write.eventId === event.id);
  return {
    id: event.id,
    externalId: event.externalId,
    hostIds: event.hostIds,
    status: event.status,
    title: event.title,
    description: event.description,
    start: event.startAt.toISOString(),
    end: event.endAt.toISOString(),
    timeZone: event.timeZone,
    location: event.location,
    attendees: event.attendees,
    recurrence: event.recurrence,
    blocksAvailability: event.blocksAvailability,
    metadata: event.metadata,
    calendarChangePolicy: event.calendarChangePolicy,
    reminders: event.reminders,
    cancelReason: event.cancelReason,
    /** The meeting link a provider made (Teams, Meet), from the first write that has one. */
    joinUrl: own.find((write) => write.joinUrl)?.joinUrl ?? null,
    calendarSync: own.map((write) => ({
      connectionId: write.connectionId,
      hostId: write.hostId,
      operation: write.operation,
      state: write.state,
      joinUrl: write.joinUrl,
      error: write.lastError,
      warning: write.warning,
      updatedAt: write.updatedAt.toISOString(),
    })),
    createdAt: event.createdAt.toISOString(),
    updatedAt: event.updatedAt.toISOString(),
  };
}

export type ManagedEventBody = ReturnType<typeof managedEventBody>;
