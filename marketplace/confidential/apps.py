from django.apps import AppConfig


class ConfidentialConfig(AppConfig):
    name = "marketplace.confidential"
    label = "confidential"
    verbose_name = "Confidential (TEE) jobs"
