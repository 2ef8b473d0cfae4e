from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace.core import views as core_views
from marketplace.datanft import views as data_views
from marketplace.wallets import views as wallet_views

urlpatterns = [
    path("", core_views.overview, name="overview"),
    path("wallet/", wallet_views.wallet_page, name="wallet"),
    path("wallet/statement", wallet_views.statement_fragment, name="wallet-statement"),
    path("data/", data_views.catalogue, name="data"),
    path("data/mine/", data_views.mine, name="data-mine"),
    path("data/mine/nfts", data_views.mine_nfts_fragment, name="data-mine-nfts"),
    path("data/<int:nft_id>/", data_views.detail, name="data-detail"),
    path("data/<int:nft_id>/access", data_views.access_fragment, name="data-access"),
    path("data/<int:nft_id>/readings", data_views.readings_fragment, name="data-readings"),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("marketplace.core.urls")),
    path("api/", include("marketplace.wallets.urls")),
    path("api/", include("marketplace.providers.urls")),
    path("api/", include("marketplace.jobs.urls")),
    path("api/", include("marketplace.datanft.urls")),
    path("api/", include("marketplace.confidential.urls")),
    path("api/", include("marketplace.intents.urls")),
]

handler404 = "marketplace.core.views.not_found"
handler500 = "marketplace.core.views.server_error"
