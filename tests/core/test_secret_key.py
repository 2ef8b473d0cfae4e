"""Issue 15, item 1: without SECRET_KEY the service makes its own random key, never a
constant of the code, and `check --deploy` refuses a published development key."""

import os
import stat
import subprocess
import sys

from tests.core.test_security import PRODUCTION
from tests.stack import ROOT

PRINT_KEY = (
    "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
)


def _run(args, tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    clean.update({"DJANGO_SETTINGS_MODULE": "polkamesh_web.settings", "PM_VAR_DIR": str(tmp_path)})
    clean.update(env)
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def _key(tmp_path, **env) -> str:
    result = _run([sys.executable, "-c", PRINT_KEY], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_a_secret_key_the_instance_makes_a_random_one_and_keeps_it(tmp_path):
    first = _key(tmp_path / "a")
    key_file = tmp_path / "a" / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 50
    assert _key(tmp_path / "a") == first  # the same instance keeps its key
    assert _key(tmp_path / "b") != first  # another instance has another one
    source = (ROOT / "polkamesh_web" / "settings.py").read_text()
    assert first not in source


def test_the_key_file_path_is_a_setting(tmp_path):
    key = _key(tmp_path, PM_SECRET_KEY_FILE=str(tmp_path / "keys" / "web.key"))
    assert (tmp_path / "keys" / "web.key").read_text().strip() == key


def test_deploy_check_fails_on_the_published_development_key(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": "dev-only-insecure-key-set-SECRET_KEY-in-production"}
    result = _run([sys.executable, "manage.py", "check", "--deploy"], tmp_path, **env)
    assert result.returncode != 0
    assert "polkamesh.E001" in result.stdout + result.stderr


def test_deploy_check_passes_with_the_generated_key(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
