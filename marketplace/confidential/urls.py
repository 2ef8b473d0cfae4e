from django.urls import path

from . import (
    actions,  # noqa: F401  (registers the signed actions before the views below)
    api,
)

urlpatterns = [
    path("tee-workers", api.TeeWorkerCollectionView.as_view(), name="tee-workers"),
    path(
        "confidential-jobs",
        api.ConfidentialJobCollectionView.as_view(),
        name="confidential-jobs",
    ),
    path(
        "confidential-jobs/<int:job_id>",
        api.ConfidentialJobDetailView.as_view(),
        name="confidential-job",
    ),
    path(
        "confidential-jobs/<int:job_id>/attestation",
        api.AttestationView.as_view(),
        name="confidential-job-attestation",
    ),
]
