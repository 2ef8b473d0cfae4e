from django.urls import path

from marketplace.wallets.api import signed_action_view

from . import (
    actions,  # noqa: F401  (the signed actions must be registered first)
    api,
)

urlpatterns = [
    path("intents", signed_action_view("submit_intent"), name="intents"),
    path("intents/epoch", api.EpochView.as_view(), name="intent-epoch"),
    path("intents/<int:intent_id>", api.IntentDetailView.as_view(), name="intent-detail"),
    path(
        "intents/<int:intent_id>/cancel",
        signed_action_view("cancel_intent"),
        name="intent-cancel",
    ),
    path("batches", api.BatchListView.as_view(), name="batches"),
    # Before <int:batch_id>, so "stats" is never read as an id.
    path("batches/stats", api.BatchStatsView.as_view(), name="batch-stats"),
    path("batches/<int:batch_id>", api.BatchDetailView.as_view(), name="batch-detail"),
    path("pools", api.PoolListView.as_view(), name="pools"),
    path("quote", api.QuoteView.as_view(), name="quote"),
]
