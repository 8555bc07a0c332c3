/** The request shown in issue 3 and in docs/availability-input.md: the published input shape. */
export const ISSUE_EXAMPLE_REQUEST = {
  range: { from: "2030-03-01T00:00:00Z", to: "2030-03-31T00:00:00Z" },
  now: "2030-02-28T12:00:00Z",
  inviteeTimeZone: "America/New_York",
  eventType: {
    durationMinutes: 30,
    stepMinutes: 30,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 0,
    mode: "single",
  },
  hosts: [
    {
      id: "h1",
      timeZone: "Europe/Berlin",
      weekly: { mon: [["09:00", "17:00"]], tue: [["09:00", "17:00"]] },
      overrides: [{ date: "2030-03-13", intervals: [["10:00", "14:00"]] }],
      busy: [{ start: "2030-03-04T08:00:00Z", end: "2030-03-04T08:45:00Z", source: "outlook:abc" }],
    },
  ],
};
