from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.agents.client import ApiError
from marketplace.agents.tee import TeeWorkerAgent, load_or_create_key

from . import _agent


class Command(BaseCommand):
    help = (
        "Run the reference TEE worker agent: hold an X25519 key (created in --key-file, "
        "mode 0600, if absent), register it if needed, open the sealed payloads of "
        "confidential jobs assigned to this worker, run them, seal each result to the "
        "buyer's reply key and record the signed attestation. Not an enclave: see "
        "docs/AGENTS.md."
    )

    def add_arguments(self, parser):
        _agent.add_arguments(parser)
        parser.add_argument("--key-file", required=True, type=Path, help="X25519 private key")

    def handle(self, *args, **options):
        try:
            key = load_or_create_key(options["key_file"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        client, state = _agent.client_and_state(options, "tee")
        agent = TeeWorkerAgent(
            client,
            state,
            key,
            poll_seconds=options["poll_seconds"],
            limits=_agent.limits(options),
        )
        try:
            agent.run(_agent.stop_flag())
        except (ApiError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
