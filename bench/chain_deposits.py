"""Deposits credited per second by the watcher, against the chain's own rate of
including transfers, measured in the same run on the local chain.

SENDERS wallets each send PER_SENDER transfer_keep_alive's to the deposit address, all
submitted at once (each with its own nonce); the chain rate is transfers included per
second from the first submit to the last inclusion. Then the watcher (one process, the
real `follow_deposits`) credits them once they have their confirmations: deposits
credited per second. The goal: the watcher keeps up, >= 0.9 of the chain's rate.

The local chain builds a block per transaction (about a second of CPU each), so the
default is 40 transfers; a chain or a watcher that stops making progress ends the run
with what it got instead of waiting for ever.

    .venv/bin/python bench/chain_deposits.py      # needs the local chain's packages
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from _django import setup

SENDERS = int(os.environ.get("BENCH_SENDERS", "4"))
PER_SENDER = int(os.environ.get("BENCH_PER_SENDER", "10"))
# Give up when the chain includes nothing for this long.
STALL_SECONDS = 120
HOT_URI = "//PolkaMeshBenchHot"
DOT = 10**10


def main() -> None:
    setup()
    from django.conf import settings
    from substrateinterface import Keypair

    from marketplace.chain import devchain, services
    from marketplace.chain.client import ChainClient
    from marketplace.chain.models import ChainState, Deposit
    from tests.stack import local_chain

    with tempfile.TemporaryDirectory() as directory, local_chain(Path(directory)) as url:
        client = ChainClient(url)
        settings.PM_CHAIN_URL = url
        settings.PM_CHAIN_HOT_WALLET_URI = HOT_URI
        settings.PM_CHAIN_CONFIRMATIONS = 2
        settings.PM_CHAIN_START_BLOCK = client.best_number() + 1
        ChainState.objects.all().delete()
        Deposit.objects.all().delete()
        hot = Keypair.create_from_uri(HOT_URI).public_key.hex()
        senders = [Keypair.create_from_uri(f"//BenchSender{i}") for i in range(SENDERS)]
        for sender in senders:
            devchain.set_balance(client, sender.public_key.hex(), 1_000 * DOT)
        signed = [
            client.sign_transfer(sender, dest=hot, asset_id=None, amount=DOT + n, nonce=n)
            for sender in senders
            for n in range(PER_SENDER)
        ]
        total = len(signed)

        started = time.perf_counter()
        for extrinsic in signed:
            client.submit(str(extrinsic.data))
        included, seen, last_progress = 0, None, time.monotonic()
        while included < total:
            # Poll the head (cheap); read the nonces only when a block was added.
            head = client.best_number()
            if head != seen:
                seen, last_progress = head, time.monotonic()
                included = sum(client.account_nonce(s.public_key.hex()) for s in senders)
            elif time.monotonic() - last_progress > STALL_SECONDS:
                sys.exit(f"the chain included {included} of {total} transfers, then stalled")
            else:
                time.sleep(0.1)
        chain_seconds = time.perf_counter() - started
        blocks = client.best_number() - settings.PM_CHAIN_START_BLOCK + 1

        devchain.new_blocks(client, settings.PM_CHAIN_CONFIRMATIONS)
        started = time.perf_counter()
        credited = 0
        while credited < total:
            # A pass reads every final block after the cursor: one that credits
            # nothing has nothing left to credit.
            passed = services.follow_deposits(client)
            if not passed:
                sys.exit(f"the watcher credited {credited} of {total} deposits")
            credited += passed
        watcher_seconds = time.perf_counter() - started
        client.close()

    chain_rate, watcher_rate = total / chain_seconds, total / watcher_seconds
    print(f"transfers: {total} from {SENDERS} senders in {blocks} blocks")
    print(f"chain:   {chain_rate:8.1f} transfers included/s ({chain_seconds:.2f} s)")
    print(f"watcher: {watcher_rate:8.1f} deposits credited/s ({watcher_seconds:.2f} s)")
    print(f"ratio watcher/chain: {watcher_rate / chain_rate:.2f}")


if __name__ == "__main__":
    main()
