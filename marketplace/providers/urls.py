from django.urls import path

from marketplace.wallets.api import signed_action_view

from . import api

urlpatterns = [
    path("providers", api.ProviderCollectionView.as_view(), name="providers"),
    path("providers/stake", signed_action_view("add_stake"), name="provider-stake"),
    path("providers/unbond", signed_action_view("unbond"), name="provider-unbond"),
    path("providers/<str:address>", api.ProviderDetailView.as_view(), name="provider"),
]
