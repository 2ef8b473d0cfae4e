"""The assets the platform starts with (created by migration 0002)."""

from typing import Any

# KSM and ASTR (Polkadot's canary network and Astar) give the intents market pairs
# without a direct pool, which settle through a route of two.
PLATFORM_ASSETS = [
    ("DOT", "Polkadot", 10),
    ("USDT", "Tether USD", 6),
    ("KSM", "Kusama", 12),
    # 12 decimals here, not Astar's 18: ASTR has no chain asset behind it (docs/CHAIN.md),
    # and the embedded SQLite set-up holds integers only up to 2^63, which 18 decimals
    # exceed above 9.2 ASTR.
    ("ASTR", "Astar", 12),
]


def ensure_platform_assets(asset_model: Any) -> None:
    """`asset_model` is the migration's historical Asset model (untyped by nature)."""
    for code, name, decimals in PLATFORM_ASSETS:
        asset_model.objects.update_or_create(
            code=code, defaults={"name": name, "decimals": decimals}
        )
