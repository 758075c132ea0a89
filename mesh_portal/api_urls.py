"""Every API route, under /api/v1/. Each app contributes its own list."""

from access.api_urls import urlpatterns as access_api
from catalog.api.platform import urlpatterns as platform_api
from catalog.api.urls import urlpatterns as catalog_api
from governance.api_urls import urlpatterns as governance_api

urlpatterns = [*catalog_api, *platform_api, *governance_api, *access_api]
