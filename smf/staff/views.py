"""The "who may do what" page: the section registry, as every app declared it; and
what every staff member does with her own account: change her password, see her
logins and end them."""

from __future__ import annotations

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import sections
from . import sessions as staff_sessions
from .access import PERMISSIONS_PAGE
from .audit import audit_record
from .roles import Role
from .signin import client_address


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


class PasswordChangeCheckedForm(PasswordChangeForm):
    """Django's password change, with the old password checked through
    authenticate(): a wrong one counts towards the sign-in lockout like a failed
    log-in, so a session left open is no way round it."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordChange(PasswordChangeView):
    """Every staff member changes her own password (AUTH_PASSWORD_VALIDATORS:
    12 characters at least). Her other sessions end; this one goes on. The
    change is audited, the password never."""

    form_class = PasswordChangeCheckedForm
    success_url = reverse_lazy("home")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # cycles this session's key
        new_key = self.request.session.session_key
        staff_sessions.session_rekeyed(old_key=old_key, new_key=new_key)
        audit_record(
            user=self.request.user,
            action="password_change",
            details={"address": client_address(self.request)},
        )
        # Django's check of the password hash would refuse them at their next
        # request; they end now, so that no session of hers outlives it.
        staff_sessions.sessions_end_all(
            self.request.user, keep_key=new_key, reason="password_change", by=self.request.user
        )
        messages.success(
            self.request,
            _("Your password has been changed. Your other open sessions were logged out."),
        )
        return response


@login_required
def sessions_list(request):
    """Her own logins: this one marked, the others each with an End button."""
    current_key = request.session.session_key
    rows = list(staff_sessions.sessions_of_user(user=request.user))
    for row in rows:
        row.is_current = row.session_key == current_key
    return render(
        request,
        "staff/sessions.html",
        {
            "rows": rows,
            "others": sum(not row.is_current for row in rows),
            "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
            "lifetime_hours": max(1, round(settings.SESSION_LIFETIME_SECONDS / 3600)),
        },
    )


@login_required
@require_POST
def session_end(request, uuid):
    row = staff_sessions.staff_session_get_for_user(
        user=request.user, uuid=uuid, current_key=request.session.session_key
    )
    staff_sessions.session_end(row=row, by=request.user, reason="user")
    messages.success(request, _("That session was logged out."))
    return redirect("staff:sessions")


@login_required
@require_POST
def sessions_end_others(request):
    ended = staff_sessions.sessions_end_all(
        request.user, keep_key=request.session.session_key, reason="user", by=request.user
    )
    messages.success(
        request,
        ngettext(
            "%(count)d other session was logged out.",
            "%(count)d other sessions were logged out.",
            ended,
        )
        % {"count": ended},
    )
    return redirect("staff:sessions")
