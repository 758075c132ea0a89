from django.urls import path

from . import api

urlpatterns = [
    path("access-requests/", api.AccessRequestList.as_view(), name="api-access-requests"),
    path(
        "access-requests/<int:pk>/approve/",
        api.AccessRequestApprove.as_view(),
        name="api-access-request-approve",
    ),
    path(
        "access-requests/<int:pk>/reject/",
        api.AccessRequestReject.as_view(),
        name="api-access-request-reject",
    ),
    path(
        "access-requests/<int:pk>/cancel/",
        api.AccessRequestCancel.as_view(),
        name="api-access-request-cancel",
    ),
    path("grants/", api.GrantList.as_view(), name="api-grants"),
    path("grants/<int:pk>/", api.GrantDetail.as_view(), name="api-grant"),
    path(
        "products/<slug:domain>/<slug:name>/preview/",
        api.ProductPreview.as_view(),
        name="api-product-preview",
    ),
]
