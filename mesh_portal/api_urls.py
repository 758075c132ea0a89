"""Every API route, under /api/v1/. Each app contributes its own list."""

from django.http import JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from access.api_urls import urlpatterns as access_api
from catalog.api.platform import urlpatterns as platform_api
from catalog.api.urls import urlpatterns as catalog_api
from governance.api_urls import urlpatterns as governance_api

from .exceptions import NOT_FOUND_MESSAGE


@csrf_exempt  # it changes nothing; without this a POST would get the HTML CSRF page
def api_not_found(request, *args, **kwargs):
    """Any other path under /api/v1/ (an unknown route, or an id that is not a number): the API's
    404 in its JSON error shape, not Django's HTML page."""
    return JsonResponse(
        {"error": {"code": "not_found", "message": NOT_FOUND_MESSAGE, "details": []}}, status=404
    )


urlpatterns = [
    *catalog_api,
    *platform_api,
    *governance_api,
    *access_api,
    # Last: only what no route above matched.
    re_path(r"^", api_not_found, name="api-not-found"),
]
