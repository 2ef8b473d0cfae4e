"""The TEE worker agent: the protocol a confidential-job worker follows.

The buyer seals `{"model_ref", "input", "reply_public_key"}` (JSON) to the worker's
X25519 key (libsodium sealed box). The worker opens it, runs the built-in runner,
seals the result document to `reply_public_key`, and signs
`"{job_id}:{payload_hash}:{result_hash}"` with its wallet key: that signature is the
attestation the server verifies before it pays. The server and the platform only ever
see ciphertext and hashes.

This process is not inside an enclave: it follows the protocol, but nothing here
proves to anyone which code ran (docs/AGENTS.md, "What a TEE worker does not prove
yet")."""

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from . import onnx_runner, runners
from .client import CONNECTED, ApiError, Client, Signer
from .loop import EventLoopAgent
from .state import AgentState

log = logging.getLogger("polkamesh.agents.tee")

HEX_KEY = re.compile(r"[0-9a-f]{64}")
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024
REPORT = (
    "PolkaMesh reference TEE worker, running outside an enclave: no hardware quote. "
    "It follows the sealed-payload and attestation protocol only."
)


class PayloadError(ValueError):
    """A sealed payload this worker cannot open or does not understand."""


def load_or_create_key(path: Path) -> PrivateKey:
    """The worker's X25519 private key (hex) from `path`, created with mode 0600 if
    absent. A key file others can read is refused, as ssh refuses one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = PrivateKey.generate()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(bytes(key).hex() + "\n")
        return key
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise PermissionError(f"{path} is readable by others: chmod 600 it")
    text = path.read_text().strip()
    if not HEX_KEY.fullmatch(text):
        raise ValueError(f"{path} does not hold a hex X25519 private key")
    return PrivateKey(bytes.fromhex(text))


def payload_hash(encrypted_payload: str) -> str:
    """sha256 hex of the sealed box's bytes (the base64 decoded)."""
    return hashlib.sha256(_unbase64(encrypted_payload)).hexdigest()


def _unbase64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError("the payload is not base64") from exc


def open_payload(key: PrivateKey, encrypted_payload: str) -> dict:
    """Decrypt and check a payload sealed to `key`."""
    sealed = _unbase64(encrypted_payload)
    if len(sealed) > MAX_PAYLOAD_BYTES:
        raise PayloadError("the payload is too large")
    try:
        payload = json.loads(SealedBox(key).decrypt(sealed))
    except CryptoError as exc:
        raise PayloadError("the payload is not sealed to this worker's key") from exc
    except ValueError as exc:
        raise PayloadError("the decrypted payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise PayloadError("the payload must be a JSON object")
    if not isinstance(payload.get("model_ref"), str) or not isinstance(payload.get("input"), dict):
        raise PayloadError("the payload needs model_ref and input")
    if not HEX_KEY.fullmatch(str(payload.get("reply_public_key", ""))):
        raise PayloadError("reply_public_key must be 64 hex digits (X25519)")
    return payload


def seal(public_key_hex: str, document: dict) -> str:
    """The document's canonical JSON sealed to an X25519 public key, base64."""
    box = SealedBox(PublicKey(bytes.fromhex(public_key_hex)))
    return base64.b64encode(box.encrypt(runners.canonical(document))).decode()


def attestation_message(job_id: int, payload_digest: str, result_digest: str) -> str:
    return f"{job_id}:{payload_digest}:{result_digest}"


# Runs an ONNX model (cid) on an input document `{"inputs": …}`: `{"outputs": …}`.
OnnxRun = Callable[[str, dict], dict]


def run_payload(payload: dict, run_onnx: OnnxRun | None = None) -> dict:
    """The runner's document for an opened payload; what cannot be run is a document
    that says why (sealed to the buyer like any result). An `onnx:sha256:…` model runs
    through `run_onnx` (the worker's sandbox)."""
    cid = onnx_runner.model_cid(payload["model_ref"])
    if cid is not None and run_onnx is not None:
        try:
            return run_onnx(cid, payload["input"])
        except onnx_runner.RunError as exc:
            return {"model_ref": payload["model_ref"], "error": str(exc)}
    runner = runners.get(payload["model_ref"])
    if runner is None:
        return {"model_ref": payload["model_ref"], "error": "unknown model_ref"}
    try:
        return runner(payload["input"])
    except runners.InputError as exc:
        return {"model_ref": payload["model_ref"], "error": str(exc)}


def attest(
    key: PrivateKey,
    signer: Signer,
    job_id: int,
    encrypted_payload: str,
    run_onnx: OnnxRun | None = None,
) -> dict:
    """decrypt → run → seal → sign: the params of `record_attestation` for one job."""
    payload_digest = payload_hash(encrypted_payload)
    payload = open_payload(key, encrypted_payload)
    document = run_payload(payload, run_onnx)
    result_digest = runners.result_hash(document)
    message = attestation_message(job_id, payload_digest, result_digest)
    return {
        "job_id": job_id,
        "result_hash": result_digest,
        "attestation_proof": signer.sign(message),
        "encrypted_result": seal(payload["reply_public_key"], document),
        # A document that says why it could not run is no result: the buyer is refunded.
        "outcome": "error" if "error" in document else "success",
    }


class TeeWorkerAgent(EventLoopAgent):
    """Registers the worker, then attests every confidential job waiting for it.

    Server side (docs/AGENTS.md, "What the server must add for confidential jobs"):
    `GET /api/confidential-jobs?worker=<address>` lists the worker's jobs, and a
    `confidential_job.assigned` event tells it about a new one."""

    log = log  # the loop logs a failed step under this agent's name

    def __init__(
        self,
        client: Client,
        state: AgentState,
        key: PrivateKey,
        *,
        poll_seconds: float = 30.0,
        limits: onnx_runner.Limits = onnx_runner.DEFAULT_LIMITS,
    ):
        self.client = client
        self.state = state
        self.key = key
        self.public_key = bytes(key.public_key).hex()
        self.address = client.signer.address
        self.poll_seconds = poll_seconds
        self.sandbox = onnx_runner.Sandbox(limits)

    def handle(self, event: dict) -> None:
        if event["type"] in (CONNECTED, "confidential_job.assigned"):
            self.reconcile()

    def start(self, stop: threading.Event) -> bool:
        """`ensure_registered`, retried with backoff while the server cannot be reached or
        has no TEE worker API yet (404): a worker started beside the site (`make run`)
        waits for it instead of exiting. False if stopped first."""
        delay = 5.0
        while not stop.is_set():
            try:
                self.ensure_registered()
                return True
            except ApiError as exc:
                if exc.status not in (0, 404):
                    raise
                log.warning("cannot register yet (%s); retrying in %.0fs", exc, delay)
            stop.wait(delay)
            delay = min(delay * 2, 60.0)
        return False

    def ensure_registered(self) -> None:
        worker = self.client.get("/api/me").get("tee_worker")
        if worker is None:
            params = {"encryption_public_key": self.public_key, "attestation_report": REPORT}
            worker, _ = self.client.post_action(
                "/api/tee-workers",
                "register_tee_worker",
                params,
                nonce=self.state.nonce("register", "tee"),
                journal=self.state,
            )
            self.state.forget("tee")
            log.info("registered TEE worker %s: %s", self.address, worker.get("status"))
        elif worker.get("encryption_public_key") != self.public_key:
            raise RuntimeError("the key file does not hold the registered encryption key")
        log.info("TEE worker %s, status %s", self.address, worker.get("status"))

    def reconcile(self) -> None:
        jobs = self.client.get_all("/api/confidential-jobs", worker=self.address)
        for job in jobs:
            if job["status"] in ("assigned", "in_progress"):
                self.process(job)

    def process(self, job: dict) -> None:
        """Attest one job; the nonce is fixed per job, so a restart replays, never re-runs
        the payment."""
        cid = job["id"]
        nonce = self.state.nonce("attest", cid)
        params = {}
        if nonce not in self.state:
            if payload_hash(job["encrypted_payload"]) != job["payload_hash"]:
                log.error("confidential job %s: payload_hash does not match the ciphertext", cid)
                return
            try:
                run_onnx = self._onnx_runner(job["deadline"])
                params = attest(
                    self.key, self.client.signer, cid, job["encrypted_payload"], run_onnx
                )
            except PayloadError as exc:
                log.error("confidential job %s: %s", cid, exc)
                return
        _, replayed = self.client.post_action(
            f"/api/confidential-jobs/{cid}/attestation",
            "record_attestation",
            params,
            nonce=nonce,
            journal=self.state,
        )
        log.info("confidential job %s: attested%s", cid, " (replayed)" if replayed else "")
        self.state.forget(cid)

    def _onnx_runner(self, deadline: str) -> OnnxRun:
        """Runs a model in the sandbox before `deadline`. The model is fetched as any
        reader would (a public artifact, or this worker's own); the inputs came sealed."""

        def run(cid: str, document: dict) -> dict:
            inputs = onnx_runner.inputs_of(document)
            fetch = onnx_runner.model_fetcher(self.client, cid)
            return self.sandbox.run(cid, fetch, inputs, seconds=onnx_runner.seconds_left(deadline))

        return run
