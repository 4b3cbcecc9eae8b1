"""An iCalendar (RFC 5545) document of a user's open next actions, for calendar subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from django.utils import timezone

PRIORITY = {"high": 1, "medium": 5, "low": 9}  # RFC 5545 3.8.1.9: 1 highest, 9 lowest


def escape(text: str) -> str:
    """TEXT values (3.3.11): backslash, semicolon, comma and line breaks escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Lines longer than 75 octets are folded (3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def build(*, name: str, events: Iterable[dict], now: dt.datetime | None = None) -> str:
    """`events`: dicts with uid, start, minutes, summary, description, priority, url, modified, sequence."""
    stamp = utc(now or timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kehu//Next actions//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", "REFRESH-INTERVAL;VALUE=DURATION:PT1H"]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(event['start'])}",
            f"DURATION:PT{int(event.get('minutes', 30))}M",
            f"SUMMARY:{escape(event['summary'])}",
        ]
        if event.get("description"):
            lines.append(f"DESCRIPTION:{escape(event['description'])}")
        if event.get("priority") in PRIORITY:
            lines.append(f"PRIORITY:{PRIORITY[event['priority']]}")
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        if event.get("modified"):
            lines.append(f"LAST-MODIFIED:{utc(event['modified'])}")
        lines += [f"SEQUENCE:{int(event.get('sequence', 0))}", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
