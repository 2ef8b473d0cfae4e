from django.apps import AppConfig


class DatanftConfig(AppConfig):
    name = "marketplace.datanft"
    label = "datanft"
    verbose_name = "Data NFT Registry"

    def ready(self):
        from marketplace.core import hooks

        # registers the signed actions and the live fragments
        from . import actions, fragments, services  # noqa: F401

        # The job queue asks us whether a job may name a Data NFT, and tells us when such
        # a job settles.
        hooks.job_data_access(services.check_job_data_access)
        hooks.job_settled(services.record_job_usage)
