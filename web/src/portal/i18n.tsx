import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { LANGUAGES, type Language, MESSAGES, type MessageKey } from "./messages.ts";

/** The language: the one chosen in the switch (kept in localStorage), else the browser's, else English. */
function initialLanguage(): Language {
  const stored = window.localStorage.getItem("calbridge.portal.lang");
  if (stored && stored in LANGUAGES) return stored as Language;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.slice(0, 2).toLowerCase();
    if (base in LANGUAGES) return base as Language;
  }
  return "en";
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  lang: Language;
  setLang(lang: Language): void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Language) => {
    window.localStorage.setItem("calbridge.portal.lang", next);
    setLangState(next);
  }, []);
  const t = useCallback<Translate>(
    (key, values) =>
      MESSAGES[lang][key].replace(/\{(\w+)\}/g, (match, name: string) =>
        values && name in values ? String(values[name]) : match,
      ),
    [lang],
  );
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error("useI18n outside I18nProvider");
  return context;
}
