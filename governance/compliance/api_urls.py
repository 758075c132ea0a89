from django.urls import path

from . import api

PRODUCT = "products/<slug:domain>/<slug:name>/"

urlpatterns = [
    path("compliance/reports/", api.ComplianceReportList.as_view(), name="api-compliance-reports"),
    path("compliance/reports/<str:ref>/", api.ComplianceReportDetail.as_view(), name="api-compliance-report"),
    path(
        "compliance/reports/<str:ref>/products/",
        api.ComplianceReportProducts.as_view(),
        name="api-compliance-report-products",
    ),
    path("compliance/dashboard/", api.ComplianceDashboard.as_view(), name="api-compliance-dashboard"),
    path(PRODUCT + "compliance/", api.ProductCompliance.as_view(), name="api-product-compliance"),
    path("waivers/", api.WaiverList.as_view(), name="api-waivers"),
    path("waivers/<int:pk>/", api.WaiverDetail.as_view(), name="api-waiver"),
]
