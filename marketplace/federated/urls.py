from django.urls import path

from marketplace.wallets.api import signed_action_view

from . import (
    actions,  # noqa: F401  (registers the signed actions before the views below)
    api,
)

urlpatterns = [
    path("federated-jobs", api.FederatedJobCollectionView.as_view(), name="federated-jobs"),
    path(
        "federated-jobs/<int:federated_job_id>",
        api.FederatedJobDetailView.as_view(),
        name="federated-job",
    ),
    path(
        "federated-jobs/<int:federated_job_id>/updates",
        signed_action_view("submit_federated_update"),
        name="federated-job-updates",
    ),
    path("federated-tasks/<int:job_id>", api.FederatedTaskView.as_view(), name="federated-task"),
]
