from tests.jobs.market import _fresh_rate_limits  # noqa: F401  (autouse)
