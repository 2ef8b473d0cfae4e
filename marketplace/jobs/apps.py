from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "marketplace.jobs"
    label = "jobs"
    verbose_name = "AI Job Queue"

    def ready(self):
        from . import actions  # noqa: F401  (registers the signed actions)
