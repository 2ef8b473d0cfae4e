from django.apps import AppConfig


class FederatedConfig(AppConfig):
    name = "marketplace.federated"
    label = "federated"
    verbose_name = "Federated training"

    def ready(self):
        from marketplace.core import hooks

        # registers the signed actions and the live fragments
        from . import actions, fragments, services  # noqa: F401

        # The job queue tells us when one of our tasks expires or its owner cancels it.
        hooks.job_unfinished(services.task_unfinished)
