"""Test helper: parse an .ics on stdin with Debian's python3-icalendar and print the facts as JSON.

An independent parser catches what our own reader would forgive (folding, escaping, parameters).
"""
import json
import sys
from datetime import timezone

from icalendar import Calendar


def utc(component, name):
    value = component.decoded(name)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(prop):
    return {"address": str(prop), "params": {k: str(v) for k, v in prop.params.items()}}


calendar = Calendar.from_ical(sys.stdin.read())
events = []
for event in calendar.walk("VEVENT"):
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    events.append({
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "summary": str(event["SUMMARY"]),
        "description": str(event.get("DESCRIPTION", "")),
        "location": str(event.get("LOCATION", "")),
        "url": str(event.get("URL", "")),
        "start": utc(event, "DTSTART"),
        "end": utc(event, "DTEND"),
        "startTzid": event["DTSTART"].params.get("TZID"),
        "dtstamp": utc(event, "DTSTAMP"),
        "organizer": person(event["ORGANIZER"]),
        "attendees": [person(a) for a in attendees],
    })
print(json.dumps({
    "method": str(calendar.get("METHOD", "")),
    "version": str(calendar["VERSION"]),
    "timezones": [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")],
    "events": events,
}))
