"""Every write to staff accounts, roles and teams."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from . import sections
from .audit import audit_record, current_actor
from .models import StaffProfile, Team
from .roles import Role

# Besides what the sections give: an administrator reads the role groups,
# whose permissions are this module's to set (roles_sync), never hers; and she
# unlocks sign-in: she reads django-axes' failed attempts and deletes them
# (smf/staff/admin.py audits each deletion). They are records of attempts, not
# of a person: the one delete permission any role holds.
ADMINISTRATOR_PERMISSIONS = {
    ("auth", "view_group"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
}


def role_permissions(role: str) -> set[tuple[str, str]]:
    """(app_label, codename) a role's group carries: from the sections, plus an
    administrator's read of the groups."""
    wanted = sections.model_permissions(role)
    if role == Role.ADMINISTRATOR:
        wanted |= ADMINISTRATOR_PERMISSIONS
    return wanted


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions its
    sections declare (the audit log is never changed by anyone)."""
    by_key = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type")
    }
    for role in Role.ALL:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_key[key] for key in role_permissions(role) if key in by_key])


def roles_sync_after_migrate(sender, **kwargs) -> None:
    roles_sync()


def staff_create(
    *,
    username: str,
    password: str,
    roles: list[str],
    teams=(),
    email: str = "",
    first_name: str = "",
    by=None,
) -> User:
    """Create (or update) a staff account with its roles and teams.

    The centers she works at are the centers app's to set
    (`shelters.services.center_staff_set`).
    """
    unknown = set(roles) - set(Role.ALL)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    token = current_actor.set(by)
    try:
        with transaction.atomic():
            user, _ = User.objects.get_or_create(username=username)
            user.email = email
            user.first_name = first_name
            user.is_staff = Role.ADMINISTRATOR in roles
            user.set_password(password)
            user.save()
            user.groups.set(Group.objects.filter(name__in=roles))
            profile, _ = StaffProfile.objects.get_or_create(user=user)
            profile.teams.set(teams)
    finally:
        current_actor.reset(token)
    return user


def membership_audit(*, kind: str, staff_model, user_ids_of, codes_of):
    """An m2m_changed receiver that writes every grant and removal of a
    membership to the audit log: who (the acting user), whom (a user id), what
    (`kind`: role, team, center, with the codes). It works from either side of
    the relation (`user.groups.add(g)` or `group.user_set.add(u)`), and for
    clear(), which does not say what it removes.

    `staff_model` is the side that stands for the staff member (User or
    StaffProfile), `user_ids_of(pks)` maps its pks to user ids and
    `codes_of(pks)` names the other side's rows.
    """

    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action == "pre_clear":
            instance._smf_cleared = _related_pks(sender, instance, model)
            return
        if action == "post_clear":
            action, pk_set = "post_remove", getattr(instance, "_smf_cleared", set())
        if action not in ("post_add", "post_remove") or not pk_set:
            return
        if isinstance(instance, staff_model):
            staff, other = [instance.pk], pk_set
            _forget_cached_roles(instance)
        else:
            staff, other = pk_set, [instance.pk]
        verb = f"{kind}_grant" if action == "post_add" else f"{kind}_remove"
        codes = sorted(codes_of(other))
        for user_id in sorted(user_ids_of(staff)):
            audit_record(
                user=current_actor.get(), action=verb, details={"staff": user_id, kind: codes}
            )

    return receiver


def _related_pks(through, instance, model) -> set:
    source = next(
        f for f in through._meta.fields if f.is_relation and isinstance(instance, f.related_model)
    )
    target = next(
        f
        for f in through._meta.fields
        if f.is_relation and f.related_model is model and f is not source
    )
    rows = through.objects.filter(**{source.name: instance.pk})
    return set(rows.values_list(target.attname, flat=True))


def _forget_cached_roles(instance) -> None:
    for attr in ("_smf_roles", "_smf_team_ids", "_perm_cache", "_group_perm_cache"):
        if attr in instance.__dict__:
            delattr(instance, attr)


def profile_user_ids(profile_ids) -> list[int]:
    """The user ids of staff profiles."""
    return list(
        StaffProfile.objects.filter(pk__in=list(profile_ids)).values_list("user_id", flat=True)
    )


role_change_audit = membership_audit(
    kind="role",
    staff_model=User,
    user_ids_of=lambda pks: pks,
    codes_of=lambda pks: Group.objects.filter(pk__in=list(pks)).values_list("name", flat=True),
)
team_change_audit = membership_audit(
    kind="team",
    staff_model=StaffProfile,
    user_ids_of=profile_user_ids,
    codes_of=lambda pks: Team.objects.filter(pk__in=list(pks)).values_list("code", flat=True),
)
