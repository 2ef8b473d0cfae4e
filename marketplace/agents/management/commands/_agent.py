"""What both agent commands share: the wallet options, the client, the state file and
a stop flag raised by SIGTERM/SIGINT (so a supervisor can stop an agent cleanly)."""

import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from marketplace.agents.client import Client, Signer
from marketplace.agents.onnx_runner import DEFAULT_LIMITS, MIB, Limits
from marketplace.agents.state import AgentState


def add_arguments(parser) -> None:
    key = parser.add_mutually_exclusive_group(required=True)
    key.add_argument("--uri", help="a development key URI such as //Bob")
    key.add_argument("--mnemonic-env", metavar="VAR", help="environment variable with a mnemonic")
    key.add_argument("--mnemonic-file", metavar="FILE", help="file holding a mnemonic")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    parser.add_argument("--state-file", help="nonce salt and journal (default under var/agents)")
    parser.add_argument("--poll-seconds", type=float, default=30.0)
    # The sandbox of a buyer's ONNX model (docs/COMPUTE_MARKET.md, "The sandbox").
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=float(os.environ.get("PM_AGENT_MAX_SECONDS", DEFAULT_LIMITS.seconds)),
        help="wall-clock limit of one ONNX run (default $PM_AGENT_MAX_SECONDS or 300)",
    )
    parser.add_argument(
        "--max-memory-mb",
        type=int,
        default=int(os.environ.get("PM_AGENT_MAX_MEMORY_MB", DEFAULT_LIMITS.memory_bytes // MIB)),
        help="address space of the ONNX process (default $PM_AGENT_MAX_MEMORY_MB or 2048)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("PM_AGENT_THREADS", DEFAULT_LIMITS.threads)),
        help="onnxruntime's threads per run (default $PM_AGENT_THREADS or 1)",
    )


def limits(options: dict) -> Limits:
    return Limits(
        seconds=options["max_seconds"],
        memory_bytes=options["max_memory_mb"] * MIB,
        threads=options["threads"],
    )


def signer(options: dict) -> Signer:
    if options["uri"]:
        return Signer.from_uri(options["uri"])
    if options["mnemonic_env"]:
        mnemonic = os.environ.get(options["mnemonic_env"])
        if not mnemonic:
            raise CommandError(f"${options['mnemonic_env']} is empty")
        return Signer.from_mnemonic(mnemonic)
    return Signer.from_mnemonic(Path(options["mnemonic_file"]).read_text())


def client_and_state(options: dict, role: str) -> tuple[Client, AgentState]:
    client = Client(options["url"], signer(options))
    default = Path(settings.VAR_DIR) / "agents" / f"{role}-{client.signer.address}.json"
    return client, AgentState(Path(options["state_file"] or default))


def stop_flag() -> threading.Event:
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    return stop
