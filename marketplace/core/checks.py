"""System checks of the deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks

# Keys that were ever written in this code base or its docs: public, so never safe.
KNOWN_DEVELOPMENT_KEYS = frozenset({"dev-only-insecure-key-set-SECRET_KEY-in-production"})


@checks.register(checks.Tags.security, deploy=True)
def secret_key_is_not_public(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.SECRET_KEY in KNOWN_DEVELOPMENT_KEYS:
        return [
            checks.Error(
                "SECRET_KEY is a development key published with the code: anyone can "
                "forge sessions and Data NFT access tokens.",
                hint="Unset SECRET_KEY (a random key is kept in PM_SECRET_KEY_FILE) "
                "or set it to a long random value.",
                id="polkamesh.E001",
            )
        ]
    return []
