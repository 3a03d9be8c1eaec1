from django.apps import AppConfig


class SheltersConfig(AppConfig):
    name = "shelters"
