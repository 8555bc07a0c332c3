import { useEffect, useMemo, useState } from "react";
import { detectLanguage, type Language, translator } from "../shared/i18n.ts";
import { type Clock, defaultClock, detectTimeZone } from "../shared/time-format.ts";

/** Storage may be refused (a third-party frame, private mode): the page then simply forgets. */
function remembered(key: string): string | null {
  try {
    return window.localStorage.getItem(`calbridge.${key}`);
  } catch {
    return null;
  }
}
function remember(key: string, value: string): void {
  try {
    window.localStorage.setItem(`calbridge.${key}`, value);
  } catch {
    // not kept
  }
}

/** The visitor's language, time zone and clock: detected from the browser, switchable, remembered. */
export function useVisitorSettings() {
  const [language, setLanguage] = useState<Language>(() =>
    detectLanguage(
      window.location.search,
      remembered("language"),
      navigator.languages ?? [navigator.language],
    ),
  );
  const [zone, setZone] = useState(() => {
    const query = new URLSearchParams(window.location.search).get("timeZone");
    return query ?? remembered("timeZone") ?? detectTimeZone();
  });
  const [clock, setClock] = useState<Clock>(
    () => (remembered("clock") as Clock | null) ?? defaultClock(navigator.language || "en-US"),
  );
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const t = useMemo(() => translator(language), [language]);
  return {
    language,
    t,
    zone,
    clock,
    setLanguage: (value: Language) => {
      remember("language", value);
      setLanguage(value);
    },
    setZone: (value: string) => {
      remember("timeZone", value);
      setZone(value);
    },
    setClock: (value: Clock) => {
      remember("clock", value);
      setClock(value);
    },
  };
}
