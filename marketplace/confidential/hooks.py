"""What the TEE registry adds to shared responses: a `tee_worker` section in `/api/me`
(the worker agent reads it to know whether it is registered, and with which key)."""

from marketplace.core import hooks

from .selectors import worker_of_key
from .serializers import TeeWorkerSerializer


@hooks.profile_section
def tee_worker_section(wallet) -> dict:
    worker = worker_of_key(wallet.public_key)
    return {} if worker is None else {"tee_worker": TeeWorkerSerializer(worker).data}
