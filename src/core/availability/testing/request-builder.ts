import {
  type AvailabilityEventType,
  type AvailabilityHost,
  type AvailabilityRequest,
  parseAvailabilityRequest,
} from "../request-schema.ts";

/**
 * Small valid requests for tests: a Monday (2030-03-04) in UTC, one host working 09:00-11:00, 30-minute
 * slots. Every built request goes through the schema, so tests never exercise input the CLI would reject.
 */
export function buildHost(overrides: Partial<AvailabilityHost> = {}): AvailabilityHost {
  return { id: "h1", timeZone: "UTC", weekly: { mon: [["09:00", "11:00"]] }, ...overrides };
}

export function buildRequest(
  params: {
    eventType?: Partial<AvailabilityEventType>;
    hosts?: AvailabilityHost[];
    from?: string;
    to?: string;
    now?: string;
  } = {},
): AvailabilityRequest {
  const request = {
    range: { from: params.from ?? "2030-03-04T00:00:00Z", to: params.to ?? "2030-03-05T00:00:00Z" },
    now: params.now ?? "2030-03-01T00:00:00Z",
    inviteeTimeZone: "UTC",
    eventType: { durationMinutes: 30, mode: "single", ...params.eventType },
    hosts: params.hosts ?? [buildHost()],
  };
  const parsed = parseAvailabilityRequest(request);
  if (!parsed.ok) throw new Error(`test request is invalid: ${parsed.error}`);
  return parsed.value;
}
