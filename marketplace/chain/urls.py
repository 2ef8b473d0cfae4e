from django.urls import path

from . import api

urlpatterns = [
    path("deposits", api.DepositListView.as_view(), name="deposits"),
]
