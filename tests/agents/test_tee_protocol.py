"""The TEE worker's protocol without a server: decrypt → run → seal → sign."""

import base64
import json
import stat

import pytest
from nacl.public import PrivateKey, PublicKey, SealedBox
from substrateinterface import Keypair

from marketplace.agents import runners, tee
from marketplace.agents.client import Signer

VALUES = [100, 108, 118, 127, 131, 128, 120, 110, 100, 92, 86, 84, 87, 93, 101, 110] * 3


@pytest.fixture
def worker_key(tmp_path):
    return tee.load_or_create_key(tmp_path / "worker.key")


@pytest.fixture
def worker():
    return Signer.from_uri("//Dave")


def sealed_job(worker_public: PublicKey, reply: PrivateKey, **payload) -> str:
    """What the buyer's browser sends: the payload sealed to the worker's key."""
    body = {
        "model_ref": "builtin:forecast",
        "input": {"start": 0, "step_seconds": 3600, "values": VALUES, "horizon": 4},
        "reply_public_key": bytes(reply.public_key).hex(),
        **payload,
    }
    return base64.b64encode(SealedBox(worker_public).encrypt(json.dumps(body).encode())).decode()


def test_the_key_file_is_created_private_and_read_back(tmp_path):
    path = tmp_path / "keys" / "worker.key"

    key = tee.load_or_create_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert bytes(tee.load_or_create_key(path)) == bytes(key)


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "worker.key"
    tee.load_or_create_key(path)
    path.chmod(0o644)

    with pytest.raises(PermissionError):
        tee.load_or_create_key(path)


def test_the_worker_runs_the_payload_and_the_owner_opens_the_result(worker_key, worker):
    reply = PrivateKey.generate()
    encrypted = sealed_job(worker_key.public_key, reply)

    params = tee.attest(worker_key, worker, 42, encrypted)

    document = json.loads(SealedBox(reply).decrypt(base64.b64decode(params["encrypted_result"])))
    assert document["model_ref"] == "builtin:forecast"
    assert len(document["forecast"]) == 4
    assert runners.result_hash(document) == params["result_hash"]
    assert params["job_id"] == 42


def test_the_attestation_verifies_against_the_workers_key_and_nothing_else(worker_key, worker):
    reply = PrivateKey.generate()
    encrypted = sealed_job(worker_key.public_key, reply)
    params = tee.attest(worker_key, worker, 42, encrypted)
    signature = bytes.fromhex(params["attestation_proof"][2:])
    digest = tee.payload_hash(encrypted)
    message = f"42:{digest}:{params['result_hash']}".encode()

    verifier = Keypair(ss58_address=worker.address)
    assert verifier.verify(message, signature)
    assert not verifier.verify(f"43:{digest}:{params['result_hash']}".encode(), signature)
    assert not verifier.verify(f"42:{digest}:{'0' * 64}".encode(), signature)
    assert not Keypair.create_from_uri("//Mallory").verify(message, signature)


def test_the_payload_hash_is_the_sha256_of_the_sealed_bytes(worker_key):
    import hashlib

    encrypted = sealed_job(worker_key.public_key, PrivateKey.generate())

    assert tee.payload_hash(encrypted) == hashlib.sha256(base64.b64decode(encrypted)).hexdigest()


def test_a_payload_sealed_to_another_worker_cannot_be_opened(worker_key, worker):
    other = PrivateKey.generate()
    encrypted = sealed_job(other.public_key, PrivateKey.generate())

    with pytest.raises(tee.PayloadError):
        tee.attest(worker_key, worker, 1, encrypted)


@pytest.mark.parametrize(
    "encrypted",
    ["not base64!", base64.b64encode(b"short").decode()],
)
def test_garbage_is_a_payload_error(worker_key, worker, encrypted):
    with pytest.raises(tee.PayloadError):
        tee.attest(worker_key, worker, 1, encrypted)


def test_a_payload_without_a_valid_reply_key_is_refused(worker_key, worker):
    encrypted = sealed_job(worker_key.public_key, PrivateKey.generate(), reply_public_key="zz")

    with pytest.raises(tee.PayloadError):
        tee.attest(worker_key, worker, 1, encrypted)


def test_an_unknown_model_is_answered_with_a_sealed_error(worker_key, worker):
    reply = PrivateKey.generate()
    encrypted = sealed_job(worker_key.public_key, reply, model_ref="ipfs://QmSecret")

    params = tee.attest(worker_key, worker, 7, encrypted)

    document = json.loads(SealedBox(reply).decrypt(base64.b64decode(params["encrypted_result"])))
    assert document == {"model_ref": "ipfs://QmSecret", "error": "unknown model_ref"}
