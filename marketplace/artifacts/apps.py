from django.apps import AppConfig


class ArtifactsConfig(AppConfig):
    name = "marketplace.artifacts"
    label = "artifacts"
    verbose_name = "Artifacts (models and inputs)"

    def ready(self):
        from . import actions  # noqa: F401  (register the signed actions)
