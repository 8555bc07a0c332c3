import { useId, useMemo, useRef, useState } from "react";
import { useI18n } from "./i18n.ts";
import { allTimeZones, zoneOffset } from "./time-format.ts";

const label = (zone: string) => zone.replaceAll("_", " ");

/** A searchable time-zone switcher (ARIA combobox with a listbox): type part of a city or region, pick with keys. */
export function TimeZoneSelect(props: { value: string; onChange: (zone: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const zones = useMemo(() => allTimeZones(), []);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const matches = useMemo(() => {
    const words = query.toLowerCase().replaceAll("_", " ").split(/\s+/).filter(Boolean);
    return zones
      .filter((zone) => {
        const text = `${label(zone)} ${zoneOffset(zone)}`.toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .slice(0, 60);
  }, [zones, query]);

  const choose = (zone: string) => {
    props.onChange(zone);
    setOpen(false);
    setQuery("");
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setOpen(true);
      setActive((value) => Math.min(value + 1, matches.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((value) => Math.max(value - 1, 0));
    } else if (event.key === "Enter" && open) {
      event.preventDefault();
      const zone = matches[active];
      if (zone) choose(zone);
    } else if (event.key === "Escape") {
      setOpen(false);
      setQuery("");
    }
  };

  const listId = `${id}-list`;
  return (
    <div className="zone-select">
      <label htmlFor={`${id}-input`} className="field-label">
        {t("timeZone")}
      </label>
      <div className="zone-box">
        <svg aria-hidden="true" viewBox="0 0 20 20" className="zone-icon">
          <circle cx="10" cy="10" r="7.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path
            d="M2.5 10h15M10 2.5c2.2 2.3 2.2 12.7 0 15M10 2.5c-2.2 2.3-2.2 12.7 0 15"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
          />
        </svg>
        <input
          ref={input}
          id={`${id}-input`}
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && matches[active] ? `${id}-opt-${active}` : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder={`${label(props.value)} (${zoneOffset(props.value)})`}
          value={open ? query : `${label(props.value)} (${zoneOffset(props.value)})`}
          onFocus={() => {
            setOpen(true);
            setActive(Math.max(0, matches.indexOf(props.value)));
          }}
          onBlur={() => window.setTimeout(() => setOpen(false), 150)}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
        />
      </div>
      {open ? (
        <div id={listId} role="listbox" aria-label={t("searchTimeZone")} className="zone-list">
          {matches.length === 0 ? (
            <div className="zone-empty">{t("noZoneFound")}</div>
          ) : (
            matches.map((zone, index) => (
              // biome-ignore lint/a11y/useFocusableInteractive: a combobox's options are reached with aria-activedescendant
              <div
                key={zone}
                id={`${id}-opt-${index}`}
                role="option"
                aria-selected={zone === props.value}
                className={index === active ? "zone-option active" : "zone-option"}
                onMouseDown={(event) => {
                  event.preventDefault();
                  choose(zone);
                }}
              >
                <span>{label(zone)}</span>
                <span className="zone-offset">{zoneOffset(zone)}</span>
              </div>
            ))
          )}
        </div>
      ) : null}
    </div>
  );
}
