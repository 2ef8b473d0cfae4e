from django.urls import path

from . import api

urlpatterns = [path("config", api.ConfigView.as_view(), name="config")]
