"""The roles of the product. A role is a Django group of the same name; what a
role may read or write is declared section by section (see `sections`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Team


class Role:
    SOCIAL_WORKER = "social_worker"
    CENTER_MANAGER = "center_manager"
    REINTEGRATION_OFFICER = "reintegration_officer"
    OUTREACH_WORKER = "outreach_worker"
    LEGAL_OFFICER = "legal_officer"
    DIRECTOR = "director"
    ADMINISTRATOR = "administrator"

    ALL = (
        SOCIAL_WORKER,
        CENTER_MANAGER,
        REINTEGRATION_OFFICER,
        OUTREACH_WORKER,
        LEGAL_OFFICER,
        DIRECTOR,
        ADMINISTRATOR,
    )
    LABELS = {
        SOCIAL_WORKER: _("Social worker"),
        CENTER_MANAGER: _("Center manager"),
        REINTEGRATION_OFFICER: _("Reintegration officer"),
        OUTREACH_WORKER: _("Outreach worker"),
        LEGAL_OFFICER: _("Legal officer"),
        DIRECTOR: _("Director"),
        ADMINISTRATOR: _("Administrator"),
    }


def roles_of(user) -> frozenset[str]:
    """The role names of a user, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_smf_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {Role.ADMINISTRATOR}
        user._smf_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def sees_every_case(user) -> bool:
    """Directors and administrators see every case (what they may read of it is
    still decided section by section)."""
    return has_role(user, Role.DIRECTOR, Role.ADMINISTRATOR)


def team_ids_of(user) -> frozenset[int]:
    """The ids of the teams a staff member belongs to, cached for the request."""
    cached = getattr(user, "_smf_team_ids", None)
    if cached is None:
        cached = frozenset(
            Team.objects.filter(members__user=user).values_list("id", flat=True)
            if user is not None and user.is_authenticated
            else ()
        )
        user._smf_team_ids = cached
    return cached
