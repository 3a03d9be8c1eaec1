from django.apps import AppConfig


class CoreConfig(AppConfig):
    """An app only so that its management commands (reencrypt_fields, seed_demo)
    are found; it has no models."""

    name = "smf.core"
    label = "core"
    verbose_name = "Shared mechanisms"
