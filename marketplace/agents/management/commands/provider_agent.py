from django.core.management.base import BaseCommand, CommandError

from marketplace.agents.client import ApiError
from marketplace.agents.provider import ProviderAgent

from . import _agent


def price(text: str) -> tuple[str, int]:
    asset, _, amount = text.partition("=")
    if not asset or not amount.isdigit():
        raise ValueError(text)
    return asset, int(amount)


class Command(BaseCommand):
    help = (
        "Run the reference provider agent: register (minimum stake) if needed, bid on "
        "open jobs whose model_ref a built-in runner can run, run assigned jobs and "
        "submit their results. Safe to stop and restart at any time."
    )

    def add_arguments(self, parser):
        _agent.add_arguments(parser)
        parser.add_argument("--name", default="PolkaMesh reference provider")
        parser.add_argument(
            "--price",
            type=price,
            action="append",
            metavar="ASSET=AMOUNT",
            help="bid price per job in the asset's smallest unit (default: the minimum budget)",
        )
        parser.add_argument("--sla-seconds", type=int, default=600)

    def handle(self, *args, **options):
        client, state = _agent.client_and_state(options, "provider")
        agent = ProviderAgent(
            client,
            state,
            name=options["name"],
            prices=dict(options["price"]) if options["price"] else None,
            sla_seconds=options["sla_seconds"],
            poll_seconds=options["poll_seconds"],
            limits=_agent.limits(options),
        )
        try:
            agent.run(_agent.stop_flag())
        except (ApiError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
