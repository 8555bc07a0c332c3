import { useEffect, useState } from "react";
import { bookingPagePath } from "../shared/page-path.ts";

/** Placeholder shell of the public booking page: reads the event type named by the URL from the public API. */
export function BookingApp() {
  const path = bookingPagePath(window.location.pathname);
  const [title, setTitle] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!path) {
      setProblem("This booking link is incomplete.");
      return;
    }
    fetch(`/v1/public/${encodeURIComponent(path.tenantSlug)}/${encodeURIComponent(path.eventTypeSlug)}`)
      .then(async (response) => {
        const body = (await response.json()) as { title?: string; name?: string; message?: string };
        if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
        setTitle(body.title ?? body.name ?? "");
      })
      .catch((error: Error) => setProblem(error.message));
  }, [path]);
  return (
    <main>
      <h1>{title ?? "Book a time"}</h1>
      {problem ? <p role="alert">{problem}</p> : null}
    </main>
  );
}
