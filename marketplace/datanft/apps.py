from django.apps import AppConfig


class DatanftConfig(AppConfig):
    name = "marketplace.datanft"
    label = "datanft"
    verbose_name = "Data NFT Registry"
