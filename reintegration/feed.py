"""The personal iCalendar feed of follow-up visits: case codes only, never names."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event


def feed_render(*, visits, base_url: str) -> bytes:
    """One all-day event per visit, on the day it was made or is due."""
    cal = Calendar()
    cal.add("prodid", "-//SMF case management//follow-up visits//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Follow-up visits")
    stamp = timezone.now()
    for visit in visits:
        day = visit.visited_on or visit.due_on
        if day is None:
            continue
        event = Event()
        event.add("uid", f"followup-{visit.uuid}@smf")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        made = " (made)" if visit.visited_on else ""
        event.add("summary", f"Follow-up visit {visit.case.code}{made}")
        event.add(
            "url",
            base_url + reverse("reintegration:visit_record", kwargs={"uuid": visit.uuid}),
        )
        cal.add_component(event)
    return cal.to_ical()
