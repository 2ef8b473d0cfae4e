from django.urls import path

from marketplace.wallets.api import signed_action_view

from . import (
    actions,  # noqa: F401  (registers the signed actions before the views below)
    api,
)

urlpatterns = [
    path("data-nfts", api.DataNFTCollectionView.as_view(), name="data-nfts"),
    path("data-nfts/<int:nft_id>", api.DataNFTDetailView.as_view(), name="data-nft"),
    path(
        "data-nfts/<int:nft_id>/update",
        signed_action_view("update_data_nft"),
        name="data-nft-update",
    ),
    path(
        "data-nfts/<int:nft_id>/transfer",
        signed_action_view("transfer_data_nft"),
        name="data-nft-transfer",
    ),
    path(
        "data-nfts/<int:nft_id>/subscriptions",
        signed_action_view("purchase_subscription"),
        name="data-nft-subscriptions",
    ),
    path(
        "data-nfts/<int:nft_id>/access", signed_action_view("access_data"), name="data-nft-access"
    ),
    path("data-nfts/<int:nft_id>/readings", api.ReadingsView.as_view(), name="data-nft-readings"),
    path("data-nfts/<int:nft_id>/stats", api.StatsView.as_view(), name="data-nft-stats"),
]
