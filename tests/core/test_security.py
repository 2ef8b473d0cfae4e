import subprocess
import sys

import pytest

from tests.stack import ROOT

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "false",
    "PM_HTTPS": "true",
    "SECRET_KEY": "k3y-Zq8vN2pL7xR4tY9wB6mC1dF5gH0jK3sA8uE2iO7pQ4-never-used-outside-tests",
    "ALLOWED_HOSTS": "polkamesh.example",
    "CSRF_TRUSTED_ORIGINS": "https://polkamesh.example",
}


def test_production_settings_pass_the_deploy_check_without_warnings():
    import os

    env = {**os.environ, **PRODUCTION}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_api_docs_load_their_script_from_this_site(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "<script>" not in page.replace(" ", "")


def test_the_test_only_wallet_is_not_served(client):
    from django.contrib.staticfiles import finders

    assert finders.find("js/fake-wallet.js") is None
    assert client.get("/static/js/fake-wallet.js").status_code == 404
    assert client.get("/static/js/wallet.js").status_code == 200  # the real one is
