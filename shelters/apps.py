from django.apps import AppConfig


class SheltersConfig(AppConfig):
    name = "shelters"
    verbose_name = "Centers"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        from smf.staff.models import StaffProfile
        from smf.staff.services import membership_audit, profile_user_ids

        from . import access, case_panels  # noqa: F401 - sections, grants, panels
        from .models import Shelter

        # Who works at which center opens case files: every change is audited.
        m2m_changed.connect(
            membership_audit(
                kind="center",
                staff_model=StaffProfile,
                user_ids_of=profile_user_ids,
                codes_of=lambda pks: Shelter.objects.filter(pk__in=list(pks)).values_list(
                    "code", flat=True
                ),
            ),
            sender=Shelter.staff.through,
            weak=False,
            dispatch_uid="shelters.center_change_audit",
        )
