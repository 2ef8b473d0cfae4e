from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "marketplace.providers"
    label = "providers"
    verbose_name = "Compute Provider Registry"

    def ready(self):
        from . import actions, hooks  # noqa: F401  (register the signed actions and hooks)
