/**
 * The page inside an embed (`?embed=1`, framed by the tenant's site): it tells the host page its height, so the
 * frame fits without scroll bars, and when a booking is made (`calbridge:booked`).
 */
export const embedded = new URLSearchParams(window.location.search).has("embed");

function post(message: Record<string, unknown>): void {
  if (!embedded || window.parent === window) return;
  window.parent.postMessage(message, "*");
}

export function startEmbedResize(): void {
  if (!embedded) return;
  document.documentElement.classList.add("embedded");
  let last = 0;
  const report = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      post({ type: "calbridge:resize", height });
    }
  };
  new ResizeObserver(report).observe(document.body);
  report();
}

/** Only what the host page needs to react; the attendee's e-mail address stays in the frame. */
export function postBooked(
  booking: { id: string; status: string; start: string; end: string },
  eventType: string,
) {
  post({
    type: "calbridge:booked",
    booking: { id: booking.id, status: booking.status, start: booking.start, end: booking.end, eventType },
  });
}
