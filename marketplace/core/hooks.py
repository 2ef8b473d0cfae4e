"""Extension points through which domain apps add to shared responses without the
shared code importing them: the provider registry adds `capability.gpu` to a GPU
provider's socket groups and a `provider` section to `/api/me`, for example; the Data
NFT registry checks a job's data access and records usage when a job settles; the job
queue tells the artifact store which artifacts its active jobs use."""

from collections.abc import Callable

_socket_groups: list[Callable] = []
_profile_sections: list[Callable] = []
_config_sections: list[Callable] = []
_job_data_access: list[Callable] = []
_job_settled: list[Callable] = []
_provider_busy: list[Callable] = []
_artifact_job_access: list[Callable] = []
_artifact_in_use: list[Callable] = []
_socket_wallets: dict[str, Callable] = {}
_job_unfinished: list[Callable] = []


def socket_groups(provider: Callable) -> Callable:
    """Register `provider(wallet) -> list[str]`: extra event groups for the wallet."""
    _socket_groups.append(provider)
    return provider


def profile_section(provider: Callable) -> Callable:
    """Register `provider(wallet) -> dict`: extra keys of the wallet's `/api/me`."""
    _profile_sections.append(provider)
    return provider


def config_section(provider: Callable) -> Callable:
    """Register `provider() -> dict`: extra keys of `/api/config` (and the pages' config)."""
    _config_sections.append(provider)
    return provider


def job_data_access(check: Callable) -> Callable:
    """Register `check(owner_public_key, data_nft_id, grant)`: raises DataAccessRequired
    or NotFound when a job of that owner may not compute on that Data NFT under `grant`
    (`jobs.models.DataGrant`)."""
    _job_data_access.append(check)
    return check


def job_settled(callback: Callable) -> Callable:
    """Register `on_settled(job)`: runs inside the transaction that settles the job."""
    _job_settled.append(callback)
    return callback


def artifact_job_access(check: Callable) -> Callable:
    """Register `check(cid, public_key) -> bool`: the wallet runs an active job that
    uses the artifact (it may read it although it is private)."""
    _artifact_job_access.append(check)
    return check


def artifact_in_use(check: Callable) -> Callable:
    """Register `check(cid) -> bool`: an active job uses the artifact (no deleting it)."""
    _artifact_in_use.append(check)
    return check


def socket_wallet(credential: str) -> Callable[[Callable], Callable]:
    """Register `find(value) -> wallet | None` for a socket's `credential`: "token"
    (`/ws/events/?token=`) or "session" (`/ws/live/`'s session). The wallets app
    answers both; realtime, below it, asks through here."""

    def register(find: Callable) -> Callable:
        _socket_wallets[credential] = find
        return find

    return register


def wallet_for_socket(credential: str, value: object):
    """The wallet that `value` (a token or a session) signs in, or None."""
    find = _socket_wallets.get(credential)
    return None if find is None else find(value)


def job_unfinished(callback: Callable) -> Callable:
    """Register `on_unfinished(job)`: runs inside the transaction that expires a job or
    that its owner cancels (its escrow already returned), so a domain that created the
    job as one of its tasks can act on it (offer it again, fail what it belonged to)."""
    _job_unfinished.append(callback)
    return callback


def provider_busy(check: Callable) -> Callable:
    """Register `check(provider) -> bool`: the provider has work in hand (open jobs or bids), so
    its stake may not drop below the minimum. The job queue answers; the provider
    registry, below it, asks."""
    _provider_busy.append(check)
    return check


def is_provider_busy(provider) -> bool:
    return any(check(provider) for check in _provider_busy)


def groups_for(wallet) -> list[str]:
    return [group for provider in _socket_groups for group in provider(wallet)]


def config_for() -> dict:
    sections: dict = {}
    for provider in _config_sections:
        sections.update(provider())
    return sections


def profile_for(wallet) -> dict:
    sections: dict = {}
    for provider in _profile_sections:
        sections.update(provider(wallet))
    return sections


def check_job_data_access(owner_public_key: str, data_nft_id: int, grant: str) -> None:
    for check in _job_data_access:
        check(owner_public_key, data_nft_id, grant)


def run_job_settled(job) -> None:
    for callback in _job_settled:
        callback(job)


def may_read_artifact_for_job(cid: str, public_key: str) -> bool:
    return any(check(cid, public_key) for check in _artifact_job_access)


def is_artifact_in_use(cid: str) -> bool:
    return any(check(cid) for check in _artifact_in_use)


def run_job_unfinished(job) -> None:
    for callback in _job_unfinished:
        callback(job)
