from django.urls import path

from . import views

PRODUCT = "products/<slug:domain>/<slug:name>/"

app_name = "access"
urlpatterns = [
    path(PRODUCT, views.product_access, name="product-access"),
    path(PRODUCT + "request/", views.request_create, name="request-create"),
    path(PRODUCT + "preview/", views.preview, name="preview"),
    path("inbox/", views.inbox, name="inbox"),
    path("requests/", views.my_requests, name="requests"),
    path("requests/<int:pk>/approve/", views.request_approve, name="request-approve"),
    path("requests/<int:pk>/reject/", views.request_reject, name="request-reject"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
    path("grants/", views.my_grants, name="grants"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant-revoke"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export/", views.audit_export, name="audit-export"),
]
