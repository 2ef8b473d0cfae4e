from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace.artifacts import views as model_views
from marketplace.chain import views as chain_views
from marketplace.confidential import views as confidential_views
from marketplace.core import views as core_views
from marketplace.core.admin_login import admin_login
from marketplace.datanft import views as data_views
from marketplace.federated import views as federated_views
from marketplace.intents import views as trade_views
from marketplace.jobs import provider_page
from marketplace.jobs import views as job_views
from marketplace.overview import views as overview_views
from marketplace.wallets import views as wallet_views

urlpatterns = [
    path("", overview_views.overview, name="overview"),
    path("wallet/", wallet_views.wallet_page, name="wallet"),
    path("wallet/statement", wallet_views.statement_fragment, name="wallet-statement"),
    path("wallet/deposits", chain_views.deposits_fragment, name="wallet-deposits"),
    path("data/", data_views.catalogue, name="data"),
    path("data/mine/", data_views.mine, name="data-mine"),
    path("data/mine/nfts", data_views.mine_nfts_fragment, name="data-mine-nfts"),
    path("data/<int:nft_id>/", data_views.detail, name="data-detail"),
    path("data/<int:nft_id>/access", data_views.access_fragment, name="data-access"),
    path("data/<int:nft_id>/usage", data_views.usage_fragment, name="data-usage"),
    path("data/<int:nft_id>/readings", data_views.readings_fragment, name="data-readings"),
    path("federated/", federated_views.federated_page, name="federated"),
    path("federated/income", federated_views.income_fragment, name="federated-income"),
    path("federated/<int:federated_job_id>/", federated_views.detail, name="federated-detail"),
    path(
        "federated/<int:federated_job_id>/progress",
        federated_views.progress_fragment,
        name="federated-progress",
    ),
    path(
        "federated/<int:federated_job_id>/predict",
        federated_views.predict_fragment,
        name="federated-predict",
    ),
    path("trade/", trade_views.trade, name="trade"),
    path("trade/epoch", trade_views.epoch_fragment, name="trade-epoch"),
    path("trade/intents", trade_views.my_intents_fragment, name="trade-mine"),
    path("trade/history", trade_views.history_fragment, name="trade-history"),
    path("trade/batches/<int:batch_id>/", trade_views.batch_detail, name="trade-batch"),
    path("jobs/", job_views.jobs_page, name="jobs-page"),
    path("jobs/mine", job_views.my_jobs_fragment, name="jobs-mine"),
    path("jobs/inputs", job_views.inputs_fragment, name="jobs-inputs"),
    path("jobs/<int:job_id>/", job_views.detail, name="job-page"),
    path("jobs/<int:job_id>/body", job_views.body_fragment, name="job-page-body"),
    path("models/", model_views.models_page, name="models"),
    path("models/mine", model_views.mine_fragment, name="models-mine"),
    path("models/<str:cid>/", model_views.card_fragment, name="model-card"),
    path("provide/", provider_page.provide, name="provide"),
    path("provide/summary", provider_page.summary_fragment, name="provide-summary"),
    path("provide/open-jobs", provider_page.open_jobs_fragment, name="provide-open-jobs"),
    path("provide/assignments", provider_page.assignments_fragment, name="provide-assignments"),
    path("confidential/", confidential_views.confidential, name="confidential"),
    path(
        "confidential/jobs",
        confidential_views.my_jobs_fragment,
        name="confidential-jobs-mine",
    ),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/login/", admin_login),  # the admin's own login, throttled per IP
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("marketplace.core.urls")),
    path("api/", include("marketplace.wallets.urls")),
    path("api/", include("marketplace.providers.urls")),
    path("api/", include("marketplace.artifacts.urls")),
    path("api/", include("marketplace.jobs.urls")),
    path("api/", include("marketplace.datanft.urls")),
    path("api/", include("marketplace.confidential.urls")),
    path("api/", include("marketplace.intents.urls")),
    path("api/", include("marketplace.chain.urls")),
    path("api/", include("marketplace.federated.urls")),
]

handler404 = "marketplace.core.views.not_found"
handler500 = "marketplace.core.views.server_error"
