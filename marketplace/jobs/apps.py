from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "marketplace.jobs"
    label = "jobs"
    verbose_name = "AI Job Queue"

    def ready(self):
        # register the signed actions, hooks and live fragments
        from . import actions, fragments, hooks, provider_fragments  # noqa: F401
