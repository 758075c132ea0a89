"""Governance API routes, under /api/v1/: monitoring (runs, metrics, alerts) and compliance."""

from django.urls import path

from .api import monitoring
from .compliance.api_urls import urlpatterns as compliance_api

PRODUCT = "products/<slug:domain>/<slug:name>/"

urlpatterns = [
    path(PRODUCT + "runs/", monitoring.ProductRunList.as_view(), name="api-product-runs"),
    path(PRODUCT + "runs/<int:run_id>/", monitoring.ProductRunDetail.as_view(), name="api-product-run"),
    path(PRODUCT + "metrics/", monitoring.ProductMetricHistory.as_view(), name="api-product-metrics"),
    path(PRODUCT + "alerts/", monitoring.ProductAlertList.as_view(), name="api-product-alerts"),
    path("alerts/", monitoring.MyAlertList.as_view(), name="api-alerts"),
    path("alerts/<int:pk>/acknowledge/", monitoring.AlertAcknowledge.as_view(), name="api-alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", monitoring.AlertResolve.as_view(), name="api-alert-resolve"),
    *compliance_api,
]
