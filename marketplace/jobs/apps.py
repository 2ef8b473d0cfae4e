from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "marketplace.jobs"
    label = "jobs"
    verbose_name = "AI Job Queue"

    def ready(self):
        from . import actions, fragments  # noqa: F401  (register the signed actions, live fragments)
