from django.urls import path

from marketplace.wallets.api import signed_action_view

from . import api

urlpatterns = [
    path("jobs", api.JobCollectionView.as_view(), name="jobs"),
    path("jobs/<int:job_id>", api.JobDetailView.as_view(), name="job"),
    path("jobs/<int:job_id>/bids", signed_action_view("submit_bid"), name="job-bids"),
    path("jobs/<int:job_id>/decline", signed_action_view("decline_job"), name="job-decline"),
    path("jobs/<int:job_id>/assign", signed_action_view("assign_provider"), name="job-assign"),
    path("jobs/<int:job_id>/start", signed_action_view("mark_in_progress"), name="job-start"),
    path("jobs/<int:job_id>/result", api.JobResultView.as_view(), name="job-result"),
    path("jobs/<int:job_id>/accept", signed_action_view("accept_result"), name="job-accept"),
    path("jobs/<int:job_id>/dispute", signed_action_view("dispute_job"), name="job-dispute"),
    path("jobs/<int:job_id>/cancel", signed_action_view("cancel_job"), name="job-cancel"),
    path("jobs/<int:job_id>/escrow", api.JobEscrowView.as_view(), name="job-escrow"),
]
