"""What the job queue tells the shared code and the apps below it: which artifacts its
active jobs use (a provider assigned to one may read them; their owners may not delete
them), and whether a provider has open jobs (its stake stays at the minimum)."""

from marketplace.core import hooks

from . import selectors


@hooks.artifact_job_access
def assigned_provider_reads(cid: str, public_key: str) -> bool:
    return selectors.jobs_using(cid, running=True, provider=public_key).exists()


@hooks.artifact_in_use
def active_job_uses(cid: str) -> bool:
    return selectors.jobs_using(cid).exists()


@hooks.provider_busy
def has_open_jobs(provider) -> bool:
    return selectors.has_open_jobs(provider)
