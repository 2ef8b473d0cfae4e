"""Set Django up for a benchmark against its own PostgreSQL database (never the dev or
test one): BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/polkamesh_bench."""

import os
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:5432/polkamesh_bench"


def setup() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polkamesh_web.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url
