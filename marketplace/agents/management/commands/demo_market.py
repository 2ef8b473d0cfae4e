from django.core.management.base import BaseCommand

from marketplace.agents.demo_market import DemoMarket

from . import _agent


class Command(BaseCommand):
    help = (
        "Keep the demo market moving (for `make run`, never in production): //DemoBuyer buys "
        "a builtin:forecast over the City traffic Data NFT every --job-seconds and accepts "
        "the results, and trains a model across the air-quality stations every "
        "--federated-seconds; //DemoTraderA and //DemoTraderB seal opposite DOT/USDT "
        "intents and routed KSM/ASTR intents into every batch; //DemoBuyer also has each "
        "pool's pair scored for sandwich exposure (builtin:mev_risk) every --mev-seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
        parser.add_argument("--job-seconds", type=float, default=120.0)
        parser.add_argument("--tick-seconds", type=float, default=3.0)
        parser.add_argument("--federated-seconds", type=float, default=300.0)
        parser.add_argument("--mev-seconds", type=float, default=3600.0)

    def handle(self, *args, **options):
        market = DemoMarket(
            options["url"],
            job_seconds=options["job_seconds"],
            tick_seconds=options["tick_seconds"],
            federated_seconds=options["federated_seconds"],
            mev_seconds=options["mev_seconds"],
        )
        market.run(_agent.stop_flag())
