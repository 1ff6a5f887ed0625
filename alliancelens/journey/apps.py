from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "alliancelens.journey"
    verbose_name = "Journey"
    default_auto_field = "django.db.models.BigAutoField"
