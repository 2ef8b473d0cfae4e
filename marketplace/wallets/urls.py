from django.urls import path

from . import api

urlpatterns = [
    path("auth/login", api.signed_action_view("login"), name="login"),
    path("auth/logout", api.LogoutView.as_view(), name="logout"),
    path("me", api.MeView.as_view(), name="me"),
    path("faucet", api.signed_action_view("faucet"), name="faucet"),
    path("ledger/entries", api.LedgerEntriesView.as_view(), name="ledger-entries"),
    path("withdrawals", api.WithdrawalCollectionView.as_view(), name="withdrawals"),
]
