from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "marketplace.agents"
    label = "agents"
    verbose_name = "Reference provider and TEE worker agents"
