from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "marketplace.providers"
    label = "providers"
    verbose_name = "Compute Provider Registry"
