"""Running a buyer's ONNX model (`model_ref: "onnx:sha256:<hex>"`) for the provider
agent and the TEE worker: fetch the model and the inputs, check their hashes, and run
the model in a separate process under limits (docs/COMPUTE_MARKET.md, "The sandbox").

The process is forked from a server that has onnxruntime imported already, so it starts
in milliseconds; it loads one model and keeps it while the next jobs use the same model
(loading costs more than a small model's run). Every failure (an error, the wall-clock
limit, the memory limit, the process dying) ends that process and is a `RunError` whose
text is what the provider tells the buyer."""

import hashlib
import json
import math
import multiprocessing
import os
import re
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection

import numpy as np

from . import onnx_model

ONNX_REF = re.compile(r"onnx:(sha256:[0-9a-f]{64})")
ARTIFACT_REF = re.compile(r"sha256:[0-9a-f]{64}")
INLINE = "inline:"
MAX_OUTPUT_ELEMENTS = 100_000  # a result is at most 256 KB of JSON anyway
MIB = 1024 * 1024
SUBMIT_SECONDS = 10  # of a job's time left, kept for delivering the result


class RunError(Exception):
    """The job cannot be run; the message says why (a provider declines with it)."""


@dataclass(frozen=True)
class Limits:
    seconds: float  # wall clock per job: loading the model (when not warm) and running it
    memory_bytes: int  # the process's address space (RLIMIT_AS)
    threads: int  # onnxruntime's intra-op threads


DEFAULT_LIMITS = Limits(seconds=300, memory_bytes=2048 * MIB, threads=1)


def model_cid(model_ref: str) -> str | None:
    """`sha256:<hex>` of an `onnx:sha256:<hex>` model_ref, else None."""
    match = ONNX_REF.fullmatch(model_ref or "")
    return match.group(1) if match else None


def checked(data: bytes, cid: str, what: str) -> bytes:
    """`data` if its sha256 is the one `cid` names, else RunError."""
    if "sha256:" + hashlib.sha256(data).hexdigest() != cid:
        raise RunError(f"the {what}'s bytes do not match {cid}")
    return data


def fetch_artifact(client, cid: str, what: str) -> bytes:
    """An artifact's bytes through the API, checked against its content hash."""
    from .client import ApiError

    try:
        data = client.download(f"/api/artifacts/{cid}/content")
    except ApiError as exc:
        raise RunError(f"the {what} {cid} cannot be read: {exc.code}") from exc
    return checked(data, cid, what)


def model_fetcher(client, cid: str) -> Callable[[], bytes]:
    """What `Sandbox.run` calls for the model's bytes when it is not loaded yet."""
    return partial(fetch_artifact, client, cid, "model")


def seconds_left(deadline: str) -> float:
    """The run time a job's deadline (ISO-8601) leaves after delivering the result."""
    left = datetime.fromisoformat(deadline) - datetime.now(UTC)
    return left.total_seconds() - SUBMIT_SECONDS


def inputs_of(document: object) -> dict:
    """The `inputs` object of a `{"inputs": {name: nested list}}` document."""
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), dict):
        raise RunError('the input document must be {"inputs": {"<name>": <nested list>}}')
    return document["inputs"]


def job_inputs(client, data_ref: str) -> dict:
    """A job's inputs from its data_ref: `inline:<json>` or a JSON artifact's cid."""
    if data_ref.startswith(INLINE):
        text = data_ref.removeprefix(INLINE)
    elif ARTIFACT_REF.fullmatch(data_ref):
        text = fetch_artifact(client, data_ref, "input document").decode("utf-8", "replace")
    else:
        raise RunError("data_ref must be inline:<json> or sha256:<hex> of a JSON artifact")
    try:
        return inputs_of(json.loads(text))
    except ValueError as exc:
        raise RunError("the input document is not JSON") from exc


# --- the sandbox process ------------------------------------------------------------------


def _reason(exc: BaseException, memory_bytes: int) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if len(text) > 300:  # onnxruntime's source location comes first, the cause last
        text = "…" + text[-300:]
    if isinstance(exc, MemoryError) or "alloc" in text.lower():
        return f"ran out of memory (the limit is {memory_bytes // MIB} MiB): {text}"
    return f"the model failed: {text}"


def _outputs(names: list[str], arrays: list) -> dict:
    size = sum(np.size(array) for array in arrays)
    if size > MAX_OUTPUT_ELEMENTS:
        raise RunError(f"the outputs have {size} elements, more than {MAX_OUTPUT_ELEMENTS}")
    outputs = {}
    for name, array in zip(names, arrays, strict=True):
        array = np.asarray(array)
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            raise RunError(f"the output {name!r} holds NaN or infinity, which JSON cannot carry")
        outputs[name] = array.tolist()
    return outputs


def _serve(connection: Connection, model: bytes, memory_bytes: int, threads: int) -> None:
    """The sandbox process: cap the address space, load the model, answer `ready` with
    its signature, then run each input set it receives. Any failure answers `error`
    and ends the process."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        session = onnx_model.load_session(model, threads=threads, optimize=True)
        names = [output.name for output in session.get_outputs()]
        connection.send(("ready", onnx_model.signature_of(session)))
        while True:
            try:
                arrays = connection.recv()
            except EOFError:  # the agent closed its end
                return
            connection.send(("outputs", _outputs(names, session.run(names, arrays))))
    except (onnx_model.ModelError, RunError) as exc:
        connection.send(("error", str(exc)))
    except BaseException as exc:  # anything the runtime raises is the model's failure
        connection.send(("error", _reason(exc, memory_bytes)))


@dataclass
class _Worker:
    cid: str
    process: multiprocessing.process.BaseProcess
    connection: Connection
    signature: dict | None = None


class Sandbox:
    """Runs ONNX models in a separate process under `limits`, one model at a time."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._context = multiprocessing.get_context("forkserver")
        # The fork server imports onnxruntime once; each sandbox forks from it warm.
        self._context.set_forkserver_preload(["onnxruntime", "onnx", __name__])
        self._worker: _Worker | None = None

    def start(self) -> None:
        """Start the fork server and wait for its imports (a second or more), so that
        no job's time limit pays for them: the first fork waits until it is ready."""
        process = self._context.Process(target=os.getpid, daemon=True)
        process.start()
        process.join()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.connection.close()
            self._worker.process.kill()
            self._worker.process.join()
            self._worker = None

    def run(
        self, cid: str, model: Callable[[], bytes], inputs: dict, *, seconds: float | None = None
    ) -> dict:
        """`{"outputs": {name: nested list}}` of the model `cid` on `inputs` (checked
        against its signature first), within `seconds` (at most the limit); RunError if
        not. `model()` gives the model's bytes; it is called only when this model is not
        loaded already."""
        seconds = min(seconds or math.inf, self.limits.seconds)
        if seconds <= 0:
            raise RunError("no time is left before the job's deadline")
        started = time.monotonic()
        worker = self._warm(cid, model)
        if worker.signature is None:
            worker.signature = self._answer(worker, started, seconds)
        problems = onnx_model.check_inputs(worker.signature, inputs)
        if problems:
            raise RunError(
                "the inputs do not fit the model: "
                + "; ".join(f"{field}: {message}" for field, message in sorted(problems.items()))
            )
        worker.connection.send(onnx_model.as_arrays(worker.signature, inputs))
        return {"outputs": self._answer(worker, started, seconds)}

    def _warm(self, cid: str, model: Callable[[], bytes]) -> _Worker:
        if self._worker is not None and self._worker.cid == cid and self._worker.process.is_alive():
            return self._worker
        self.close()
        data = model()
        ours, theirs = self._context.Pipe()
        limits = self.limits
        process = self._context.Process(
            target=_serve,
            args=(theirs, data, limits.memory_bytes, limits.threads),
            name=f"onnx {cid[:19]}",
            daemon=True,
        )
        process.start()
        theirs.close()
        self._worker = _Worker(cid, process, ours)
        return self._worker

    def _answer(self, worker: _Worker, started: float, seconds: float):
        """The worker's next answer within the job's time, or RunError (and no worker)."""
        left = seconds - (time.monotonic() - started)
        try:
            if not worker.connection.poll(max(left, 0)):
                self.close()
                raise RunError(f"stopped after {seconds:g} s: the wall-clock limit")
            kind, value = worker.connection.recv()
        except (EOFError, OSError) as exc:
            worker.process.join(5)
            code = worker.process.exitcode
            self.close()
            raise RunError(f"the runtime process died (exit code {code})") from exc
        if kind == "error":
            self.close()
            raise RunError(value)
        return value
