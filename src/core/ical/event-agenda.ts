import { type IcalProperty, paramValue, unescapeText } from "./content-line.ts";
import { firstProperty, type IcalComponent } from "./parse-calendar.ts";

/** What a VEVENT says for an agenda besides its times (agenda import, issue #18 item 4). Absent values are null. */
export interface EventAgenda {
  location: string | null;
  /** The ORGANIZER's address (mailto: stripped), or its CN when it has no address. */
  organizer: string | null;
  /** ATTENDEEs that are people: rooms and resources (CUTYPE) are not counted. */
  attendeeCount: number;
  /** The online meeting link: URL, X-GOOGLE-CONFERENCE, Teams' property, else the first https link in the text. */
  onlineMeetingUrl: string | null;
  /** CLASS (PUBLIC, PRIVATE, CONFIDENTIAL), upper case. */
  classification: string | null;
}

const HTTPS_LINK = /https:\/\/[^\s<>"'\\,;]+/i;

function textOf(property: IcalProperty | null): string | null {
  const value = property ? unescapeText(property.value).trim() : "";
  return value ? value : null;
}

function organizerOf(property: IcalProperty | null): string | null {
  if (!property) return null;
  const value = property.value.trim();
  if (/^mailto:/i.test(value)) return value.slice(7).trim() || null;
  return paramValue(property, "CN") ?? (value || null);
}

export function readEventAgenda(component: IcalComponent): EventAgenda {
  const location = textOf(firstProperty(component, "LOCATION"));
  let attendeeCount = 0;
  for (const property of component.properties) {
    if (property.name.toUpperCase() !== "ATTENDEE") continue;
    const kind = paramValue(property, "CUTYPE")?.toUpperCase();
    if (kind !== "ROOM" && kind !== "RESOURCE") attendeeCount += 1;
  }
  const linked = ["X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-GOOGLE-CONFERENCE", "URL"]
    .map((name) => textOf(firstProperty(component, name)))
    .find((value) => value !== null && /^https:\/\//i.test(value));
  const inText = [location, textOf(firstProperty(component, "DESCRIPTION"))]
    .map((text) => (text ? (HTTPS_LINK.exec(text)?.[0] ?? null) : null))
    .find((value) => value !== null);
  const classification = firstProperty(component, "CLASS")?.value.trim().toUpperCase();
  return {
    location,
    organizer: organizerOf(firstProperty(component, "ORGANIZER")),
    attendeeCount,
    onlineMeetingUrl: linked ?? inText ?? null,
    classification: classification ? classification : null,
  };
}
