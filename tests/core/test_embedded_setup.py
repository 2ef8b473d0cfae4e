"""`make run` without DATABASE_URL: the embedded SQLite database takes the demo whole.
SQLite holds integers only up to 2^63, so an asset whose demo amounts exceed that
broke the README's first command while every PostgreSQL test passed."""

import os
import subprocess
import sys

import pytest

from tests.stack import ROOT

pytestmark = pytest.mark.slow


def manage(var_dir, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")} | {
        "PM_VAR_DIR": str(var_dir),
        "PM_FAUCET_ENABLED": "1",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_demo_loads_into_the_embedded_database_and_the_books_balance(tmp_path):
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"], ["ledger_check"]):
        done = manage(tmp_path, *command)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-4000:])
    assert (tmp_path / "db.sqlite3").exists()
    assert "ledger OK" in done.stdout


# An amount of 19 digits, which Django's stock SQLite backend reads back rounded to 15.
READ_BACK = """
from django.db import transaction
from ledger import selectors, services
with transaction.atomic():
    services.deposit("ab" * 32, "DOT", 1234567890123456789, kind="test", reference="t", key="t")
print(selectors.available_balance("ab" * 32, "DOT"))
"""


def test_amounts_of_many_digits_come_back_exact(tmp_path):
    assert manage(tmp_path, "migrate", "--noinput", "-v0").returncode == 0
    done = manage(tmp_path, "shell", "-c", READ_BACK)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.split()[-1] == "1234567890123456789"
