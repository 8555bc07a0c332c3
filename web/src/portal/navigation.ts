import { useEffect, useState } from "react";

/** The portal's pages: one path each under /portal. */
export type Route = "calendars" | "availability" | "bookings" | "sign-in";

export function routeOf(pathname: string): Route {
  const page = pathname.replace(/^\/portal\/?/, "").split("/")[0];
  if (page === "availability" || page === "bookings" || page === "sign-in") return page;
  return "calendars";
}

export function navigate(path: string): void {
  window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(window.location.pathname));
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return route;
}
