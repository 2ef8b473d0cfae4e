"""The assets the platform starts with (created by migration 0002)."""

PLATFORM_ASSETS = [("DOT", "Polkadot", 10), ("USDT", "Tether USD", 6)]


def ensure_platform_assets(asset_model) -> None:
    for code, name, decimals in PLATFORM_ASSETS:
        asset_model.objects.update_or_create(
            code=code, defaults={"name": name, "decimals": decimals}
        )
