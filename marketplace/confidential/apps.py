from django.apps import AppConfig


class ConfidentialConfig(AppConfig):
    name = "marketplace.confidential"
    label = "confidential"
    verbose_name = "Confidential (TEE) jobs"

    def ready(self):
        from . import actions, hooks  # noqa: F401  (register the signed actions and hooks)
