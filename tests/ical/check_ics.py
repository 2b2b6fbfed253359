#!/usr/bin/python3
"""Reads an iCalendar file with a real parser (Debian's python3-icalendar) and checks it
against what the test expects.

    check_ics.py CALENDAR.ics EXPECTED.json

EXPECTED is {"events": {UID: {"start": ISO, "end": ISO or null, "all_day": bool,
"summary": str, "description": str?, "location": str?, "status": str, "sequence": int}}};
timed "start"/"end" are UTC instants ("2027-10-31T00:30:00Z"), all-day ones dates
("2027-10-31", the end exclusive). The calendar must hold exactly these events.

Besides what the parser reads, the raw text is checked for what a lenient parser would
forgive: CRLF line ends, no line longer than 75 octets, folds that never split a UTF-8
sequence, and a VTIMEZONE for every TZID used. Exit 0 when all holds, else 1 and why.
"""
import datetime
import json
import sys

import icalendar


def fail(why):
    print("check_ics: " + why, file=sys.stderr)
    sys.exit(1)


def check_raw(raw):
    if not raw.endswith(b"\r\n"):
        fail("the calendar does not end with CRLF")
    lines = raw[:-2].split(b"\r\n")
    for i, line in enumerate(lines):
        if b"\n" in line or b"\r" in line:
            fail("line %d: a bare LF or CR" % (i + 1))
        if len(line) > 75:
            fail("line %d is %d octets long" % (i + 1, len(line)))
        try:
            line.decode("utf-8")  # a fold inside a UTF-8 sequence leaves halves here
        except UnicodeDecodeError:
            fail("line %d is not UTF-8 on its own (a fold split a character)" % (i + 1))
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    for line in unfolded.split("\r\n"):
        if ";TZID=" in line.split(":", 1)[0]:
            tzid = line.split(";TZID=", 1)[1].split(":", 1)[0].split(";", 1)[0]
            if "TZID:" + tzid not in unfolded:
                fail("TZID %s has no VTIMEZONE" % tzid)


def as_text(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            fail("a floating time: %s" % value)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    fail("not a date or a time: %r" % (value,))


def main():
    raw = open(sys.argv[1], "rb").read()
    expected = json.load(open(sys.argv[2]))["events"]
    check_raw(raw)
    cal = icalendar.Calendar.from_ical(raw.decode("utf-8"))
    if str(cal.get("VERSION")) != "2.0":
        fail("VERSION is not 2.0")
    seen = {}
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID"))
        if uid in seen:
            fail("UID %s twice" % uid)
        seen[uid] = ev
        if ev.get("DTSTAMP") is None:
            fail("%s has no DTSTAMP" % uid)
    if set(seen) != set(expected):
        fail("events %s, expected %s" % (sorted(seen), sorted(expected)))
    for uid, want in expected.items():
        ev = seen[uid]
        start = ev.decoded("DTSTART")
        end = ev.decoded("DTEND") if ev.get("DTEND") is not None else None
        all_day = not isinstance(start, datetime.datetime)
        got = {
            "start": as_text(start),
            "end": as_text(end) if end is not None else None,
            "all_day": all_day,
            "summary": str(ev.get("SUMMARY", "")),
            "status": str(ev.get("STATUS")),
            "sequence": int(ev.get("SEQUENCE")),
        }
        for key in ("description", "location"):
            if key in want:
                got[key] = str(ev.get(key.upper(), ""))
        for key, value in want.items():
            if got.get(key) != value:
                fail("%s: %s is %r, expected %r" % (uid, key, got.get(key), value))
    print("check_ics: %d events as expected" % len(expected))


if __name__ == "__main__":
    main()
