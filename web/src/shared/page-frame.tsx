import type { ReactNode } from "react";
import { embedded } from "./embed-bridge.ts";
import { LANGUAGE_NAMES, LANGUAGES, type Language, useI18n } from "./i18n.ts";

export interface Brand {
  name: string;
  color?: string;
  logoUrl?: string;
}

/** The page around every view: the tenant's logo, the language switch, the main landmark and a small footer. */
export function PageFrame(props: {
  brand: Brand | undefined;
  onLanguage: (language: Language) => void;
  wide?: boolean;
  children: ReactNode;
}) {
  const { t, language } = useI18n();
  return (
    <div className={embedded ? "frame embedded" : "frame"}>
      <header className="topbar">
        <div className="brand">
          {props.brand?.logoUrl ? (
            <img className="logo" src={props.brand.logoUrl} alt={props.brand.name} />
          ) : props.brand?.name ? (
            <span className="brand-name">{props.brand.name}</span>
          ) : null}
        </div>
        <label className="language">
          <span className="visually-hidden">{t("language")}</span>
          <svg aria-hidden="true" viewBox="0 0 20 20">
            <path
              d="M3 5h8M7 3v2m2.5 0c-.8 3.5-3.3 6.3-6.5 7.5m2.5-4.5c1 1.8 2.6 3.3 4.5 4M11 17l3.5-8 3.5 8m-6-2h5"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.5"
            />
          </svg>
          <select
            value={language}
            onChange={(event) => props.onLanguage(event.target.value as Language)}
            aria-label={t("language")}
          >
            {LANGUAGES.map((code) => (
              <option key={code} value={code} lang={code}>
                {LANGUAGE_NAMES[code]}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" className={props.wide ? "card wide" : "card"}>
        {props.children}
      </main>
      <footer className="footer">{t("poweredBy")}</footer>
    </div>
  );
}
