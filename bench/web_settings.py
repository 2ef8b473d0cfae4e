"""Settings of the daphne process that bench/http_submit_job.py starts: the product's
settings with a bench-only URLconf (the real URLs plus `/bench/bare`). Never used by
the product."""

from polkamesh_web.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"
