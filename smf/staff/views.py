"""The "who may do what" page: the section registry, as every app declared it."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import sections
from .access import PERMISSIONS_PAGE
from .roles import Role


@login_required
def who_may_do_what(request):
    """Every section, each role's level on it (none, read, write), by area."""
    if not sections.can_read(request.user, PERMISSIONS_PAGE.key):
        raise Http404
    roles = [(role, Role.LABELS[role]) for role in Role.ALL]
    rows = [
        {
            "section": section,
            "levels": [section.levels.get(role, sections.Level.NONE) for role, _ in roles],
        }
        for section in sections.all_sections()
    ]
    areas = [
        (area, list(items))
        for area, items in groupby(rows, key=lambda row: str(row["section"].area))
    ]
    return render(request, "staff/who_may_do_what.html", {"roles": roles, "areas": areas})
