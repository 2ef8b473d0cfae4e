from django.apps import AppConfig


class OverviewConfig(AppConfig):
    name = "marketplace.overview"
    label = "overview"
    verbose_name = "Overview"

    def ready(self):
        # registers the live fragment of the market section
        from . import fragments  # noqa: F401
