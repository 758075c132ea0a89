from django.urls import path

from . import monitoring_views, views
from .compliance.urls import urlpatterns as compliance_urlpatterns

PRODUCT = "products/<slug:domain>/<slug:name>/"

app_name = "governance"
urlpatterns = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy-edit"),
    # Monitoring pages (the SLA tab itself is the catalog's product page)
    path(PRODUCT + "runs/", monitoring_views.run_create, name="monitoring-run-create"),
    path(PRODUCT + "runs/<int:run_id>/", monitoring_views.run_status, name="monitoring-run-status"),
    path(PRODUCT + "checks/<str:check>/", monitoring_views.check_history, name="monitoring-check-history"),
    path(PRODUCT + "alerts/", monitoring_views.product_alerts, name="monitoring-product-alerts"),
    path("alerts/", monitoring_views.alerts, name="monitoring-alerts"),
    path(
        "alerts/<int:pk>/acknowledge/",
        monitoring_views.alert_acknowledge,
        name="monitoring-alert-acknowledge",
    ),
    path("alerts/<int:pk>/resolve/", monitoring_views.alert_resolve, name="monitoring-alert-resolve"),
    *compliance_urlpatterns,
]
