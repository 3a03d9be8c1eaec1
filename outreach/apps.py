from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"

    def ready(self) -> None:
        from cases.services import case_registered

        from . import access  # noqa: F401 - the outreach section
        from .services import clinic_referral_on_registration

        case_registered.connect(
            clinic_referral_on_registration, dispatch_uid="outreach.clinic_referral"
        )
