"""Settings of the daphne process that bench/http_submit_job.py starts: the product's
settings with a bench-only URLconf (the real URLs plus `/bench/bare`). Never used by
the product."""

import os

from polkamesh_web.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"

# BENCH_DB_POOL=1: Django's psycopg connection pool (psycopg-pool) instead of the
# product's persistent connections, to measure what a new PostgreSQL connection per
# request costs (under ASGI each request runs in a thread of its own, and persistent
# connections belong to a thread). The whole server, both phases alike.
if os.environ.get("BENCH_DB_POOL"):
    DATABASES["default"].update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 8}  # noqa: F405
