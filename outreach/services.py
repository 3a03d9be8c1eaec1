"""Every write to venues, outreach visits, supplies, the clinic and advocacy.

Services validate what a form may not have caught (an importer or a script
calls them too): a bad value raises ValidationError keyed by field, and
nothing is written. The clinic never stores a name: a client is a code the
product generates.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Consent
from smf.staff.audit import audit_record
from smf.staff.models import Team

from .models import (
    AdvocacyActivity,
    ClinicClient,
    ClinicVisit,
    Event,
    Meeting,
    OutreachVisit,
    SupplyItem,
    SupplyReceipt,
    Topic,
    Venue,
    VisitSupply,
)

VENUE_CODE_PREFIX = "VEN-"
# No 0/O or 1/I: the code is read aloud and copied onto a card by hand.
CLIENT_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CLIENT_CODE_PREFIX = "CL-"


def _check_dates(**dates: date | None) -> None:
    """No record is dated in the future (the phone's date may be wrong, ours isn't)."""
    today = timezone.localdate()
    errors = {
        field: _("The date cannot be in the future.")
        for field, value in dates.items()
        if value is not None and value > today
    }
    if errors:
        raise ValidationError(errors)


def _check_counts(**counts: int | None) -> None:
    errors = {
        field: _("The number cannot be negative.")
        for field, value in counts.items()
        if value is not None and value < 0
    }
    if errors:
        raise ValidationError(errors)


def _with_unique_code(make, create):
    """Create with a fresh code, trying again if two staff took the same one."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return create(make())
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a unique code")


# Venues ---------------------------------------------------------------------


def venue_code_next() -> str:
    """The next venue code, VEN-00042, after the highest one in use."""
    codes = Venue.objects.filter(code__startswith=VENUE_CODE_PREFIX).values_list("code", flat=True)
    numbers = [
        int(c[len(VENUE_CODE_PREFIX) :]) for c in codes if c[len(VENUE_CODE_PREFIX) :].isdigit()
    ]
    return f"{VENUE_CODE_PREFIX}{max(numbers, default=0) + 1:05d}"


def venue_create(
    *,
    user,
    name: str,
    kind: str,
    province: str = "",
    district: str = "",
    access_notes: str = "",
    active: bool = True,
) -> Venue:
    """Register a venue under a generated code."""
    if kind not in Venue.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of venue from the list.")})

    def create(code: str) -> Venue:
        return Venue.objects.create(
            code=code,
            name=name.strip(),
            kind=kind,
            province=province.strip(),
            district=district.strip(),
            access_notes=access_notes,
            active=active,
            created_by=user,
        )

    return _with_unique_code(venue_code_next, create)


def venue_update(*, venue: Venue, user, **fields) -> Venue:
    """Change a venue's details (its code never changes)."""
    allowed = {"name", "kind", "province", "district", "access_notes", "active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"venue fields not editable: {sorted(unknown)}")
    if "kind" in fields and fields["kind"] not in Venue.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of venue from the list.")})
    for field, value in fields.items():
        setattr(venue, field, value.strip() if isinstance(value, str) else value)
    venue.save(update_fields=[*fields, "updated_at"])
    return venue


# Outreach visits and supplies -----------------------------------------------


def outreach_visit_record(
    *,
    user,
    venue: Venue,
    visited_on: date,
    contacts: int,
    clients_educated: int = 0,
    condoms: int = 0,
    soaps: int = 0,
    topics: Iterable[str] = (),
    team: Team | None = None,
    team_members: Iterable = (),
    other_supplies: Mapping[SupplyItem, int] | None = None,
) -> OutreachVisit:
    """Log one outreach visit with what was handed out.

    Condoms and soaps are columns of the visit (the yearly figures read them);
    any other item from the supplies list goes in a VisitSupply row.
    """
    other_supplies = {item: n for item, n in (other_supplies or {}).items() if n}
    _check_dates(visited_on=visited_on)
    _check_counts(
        contacts=contacts,
        clients_educated=clients_educated,
        condoms=condoms,
        soaps=soaps,
        **{f"supply_{item.code}": n for item, n in other_supplies.items()},
    )
    topics = list(dict.fromkeys(topics))
    if set(topics) - set(Topic.values):
        raise ValidationError({"topics": _("Choose topics from the list.")})
    if any(item.code in SupplyItem.ON_THE_VISIT for item in other_supplies):
        raise ValueError("condoms and soaps are counted on the visit itself")
    with transaction.atomic():
        visit = OutreachVisit.objects.create(
            venue=venue,
            visited_on=visited_on,
            contacts=contacts,
            clients_educated=clients_educated,
            condoms=condoms,
            soaps=soaps,
            topics=topics,
            team=team,
            created_by=user,
        )
        visit.team_members.set(list(team_members))
        VisitSupply.objects.bulk_create(
            VisitSupply(visit=visit, item=item, quantity=n) for item, n in other_supplies.items()
        )
    return visit


def supply_item_create(
    *, user, name: str, unit: str = "", low_stock_threshold: int = 0
) -> SupplyItem:
    """Add an item to the supplies list; its code is made from the name."""
    from django.utils.text import slugify

    _check_counts(low_stock_threshold=low_stock_threshold)
    base = slugify(name)[:32] or "item"
    code, n = base, 1
    while SupplyItem.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return SupplyItem.objects.create(
        code=code,
        name=name.strip(),
        unit=unit.strip(),
        low_stock_threshold=low_stock_threshold,
        created_by=user,
    )


def supply_item_update(*, item: SupplyItem, user, low_stock_threshold: int, active: bool) -> None:
    """Set the warning threshold of an item, or retire it from the list."""
    _check_counts(low_stock_threshold=low_stock_threshold)
    item.low_stock_threshold = low_stock_threshold
    item.active = active
    item.save(update_fields=["low_stock_threshold", "active", "updated_at"])


def supply_receipt_record(
    *, user, item: SupplyItem, received_on: date, quantity: int, source: str = ""
) -> SupplyReceipt:
    """Stock received: adds to the item's balance."""
    _check_dates(received_on=received_on)
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("Enter how many came in (more than 0).")})
    return SupplyReceipt.objects.create(
        item=item,
        received_on=received_on,
        quantity=quantity,
        source=source.strip(),
        created_by=user,
    )


# Clinic ------------------------------------------------------------------------


def clinic_client_code_new() -> str:
    """A random code such as CL-7KQ4M9: it says nothing about the person."""
    return CLIENT_CODE_PREFIX + "".join(secrets.choice(CLIENT_CODE_ALPHABET) for _ in range(6))


def clinic_client_register() -> ClinicClient:
    """A new anonymous client, under a code the product generated."""

    def create(code: str) -> ClinicClient:
        if ClinicVisit.objects.filter(client_code=code).exists():
            # An imported visit may already use it; treat it as taken.
            raise IntegrityError(code)
        return ClinicClient.objects.create(code=code)

    return _with_unique_code(clinic_client_code_new, create)


def clinic_client_exists(code: str) -> bool:
    """A code the product issued, or one that came with imported visits."""
    return (
        ClinicClient.objects.filter(code=code).exists()
        or ClinicVisit.objects.filter(client_code=code).exists()
    )


def clinic_visit_record(
    *,
    user,
    client_code: str | None,
    visited_on: date,
    service: str,
    std_test: bool = False,
    std_result: str = "",
    treatment: str = "",
    counselling: bool = False,
    decided_to_leave: bool = False,
    referred_to=None,
    team: Team | None = None,
) -> ClinicVisit:
    """Log a clinic visit. With no `client_code`, a new client code is made.

    A returning client's code must be known. A test result needs a test;
    a center to refer to needs the client's decision to leave.
    """
    _check_dates(visited_on=visited_on)
    errors = {}
    if service not in ClinicVisit.Service.values:
        errors["service"] = _("Choose a service from the list.")
    if std_result and not std_test:
        errors["std_result"] = _("A result needs an STD test: tick 'STD test done'.")
    if std_result and std_result not in ClinicVisit.StdResult.values:
        errors["std_result"] = _("Choose a result from the list.")
    if referred_to is not None and not decided_to_leave:
        errors["referred_to"] = _("Tick 'decided to leave' to refer the client to a center.")
    code = (client_code or "").strip().upper()
    if code and not clinic_client_exists(code):
        errors["client_code"] = _(
            "No client has this code. Check the card, or register a new client."
        )
    if errors:
        raise ValidationError(errors)
    if std_test and not std_result:
        std_result = ClinicVisit.StdResult.PENDING
    with transaction.atomic():
        if not code:
            code = clinic_client_register().code
        return ClinicVisit.objects.create(
            client_code=code,
            visited_on=visited_on,
            service=service,
            std_test=std_test,
            std_result=std_result,
            treatment=treatment.strip(),
            counselling=counselling,
            decided_to_leave=decided_to_leave,
            referred_to=referred_to,
            team=team,
            created_by=user,
        )


def clinic_referral_complete(*, client_code: str, case: Case, user) -> int:
    """Link a clinic client's referral to the case opened at intake.

    The intake form (/cases/new/?clinic_client=<code>) calls this once the case
    exists. It sets `enrolled_case` on the client's referral visit: the latest
    visit marked "decided to leave", or else the latest visit. Returns how many
    visits it linked (0 when that visit already names this case). Raises
    ValidationError for an unknown code or a referral already linked to
    another case. The audit log records the link by codes only.
    """
    code = (client_code or "").strip().upper()
    visits = ClinicVisit.objects.filter(client_code=code).order_by("-visited_on", "-id")
    with transaction.atomic():
        visit = (
            visits.select_for_update().filter(decided_to_leave=True).first()
            or visits.select_for_update().first()
        )
        if visit is None:
            raise ValidationError(
                {
                    "clinic_client": _("No clinic visit has the client code %(code)s.")
                    % {"code": code}
                }
            )
        if visit.enrolled_case_id == case.pk:
            return 0
        if visit.enrolled_case_id is not None:
            raise ValidationError(
                {"clinic_client": _("This clinic referral is already linked to another case.")}
            )
        linked = ClinicVisit.objects.filter(pk=visit.pk, enrolled_case__isnull=True).update(
            enrolled_case=case, updated_at=timezone.now()
        )
        audit_record(
            user=user,
            action="clinic_referral_linked",
            case_code=case.code,
            details={"client_code": code, "linked": linked},
        )
    return linked


# Advocacy ----------------------------------------------------------------------


def meeting_record(
    *,
    user,
    held_on: date,
    counterpart: str,
    title: str,
    counterpart_name: str = "",
    agreement_reached: bool = False,
    agreement: str = "",
    team: Team | None = None,
) -> Meeting:
    """Log a meeting with a ministry or partner, and what was agreed."""
    _check_dates(held_on=held_on)
    if counterpart not in Meeting.Counterpart.values:
        raise ValidationError({"counterpart": _("Choose a counterpart from the list.")})
    if agreement_reached and not agreement.strip():
        raise ValidationError({"agreement": _("Say what was agreed.")})
    return Meeting.objects.create(
        held_on=held_on,
        counterpart=counterpart,
        counterpart_name=counterpart_name.strip(),
        title=title.strip(),
        agreement_reached=agreement_reached,
        agreement=agreement.strip() if agreement_reached else "",
        team=team,
        created_by=user,
    )


def event_record(
    *, user, held_on: date, title: str, participants: int, team: Team | None = None
) -> Event:
    """Log a community event such as Anti-Trafficking Day."""
    _check_dates(held_on=held_on)
    _check_counts(participants=participants)
    return Event.objects.create(
        held_on=held_on, title=title.strip(), participants=participants, team=team, created_by=user
    )


def advocacy_activity_record(
    *,
    user,
    kind: str,
    title: str,
    held_on: date,
    ended_on: date | None = None,
    participants: int = 0,
    advocates: Iterable[Case] = (),
    team: Team | None = None,
) -> AdvocacyActivity:
    """Log a police training or media campaign with the survivor advocates in it.

    Only cases the user may see can be named as advocates. A media campaign
    needs each advocate's media consent, given and not withdrawn.
    """
    _check_dates(held_on=held_on)
    _check_counts(participants=participants)
    errors = {}
    if kind not in AdvocacyActivity.Kind.values:
        errors["kind"] = _("Choose a kind from the list.")
    if ended_on is not None and ended_on < held_on:
        errors["ended_on"] = _("The end cannot come before the start.")
    advocates = list(advocates)
    ids = [c.pk for c in advocates]
    if ids and Case.objects.visible_to(user).filter(pk__in=ids).count() != len(set(ids)):
        errors["advocates"] = _("You may only name survivors whose case you can see.")
    elif ids and kind == AdvocacyActivity.Kind.MEDIA_CAMPAIGN:
        consenting = set(
            Consent.objects.filter(
                case_id__in=ids,
                purpose=Consent.Purpose.MEDIA,
                given_on__lte=held_on,
                withdrawn_on__isnull=True,
            ).values_list("case_id", flat=True)
        )
        missing = sorted(c.code for c in advocates if c.pk not in consenting)
        if missing:
            errors["advocates"] = _(
                "No media consent on record for: %(codes)s. Record it on the case first."
            ) % {"codes": ", ".join(missing)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = AdvocacyActivity.objects.create(
            kind=kind,
            title=title.strip(),
            held_on=held_on,
            ended_on=ended_on,
            participants=participants,
            team=team,
            created_by=user,
        )
        activity.advocates.set(advocates)
        for case in advocates:
            audit_record(
                user=user,
                action="advocacy_advocate_added",
                case_code=case.code,
                details={"activity": activity.pk, "kind": kind},
            )
    return activity


def clinic_referral_on_registration(sender, *, case: Case, user, referral: dict, **kwargs) -> None:
    """A survivor registered from a clinic referral (the intake form carried the
    clinic client code): close the referral, inside the registration's
    transaction, so a refused link leaves no half-registered case."""
    code = (referral or {}).get("clinic_client", "")
    if code:
        clinic_referral_complete(client_code=code, case=case, user=user)
