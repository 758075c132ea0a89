from django.urls import path

from . import views

# Included by governance/urls.py under /governance/ (namespace "governance").
urlpatterns = [
    path("compliance/", views.compliance_dashboard, name="compliance"),
    path("compliance/products/", views.compliance_products, name="compliance-products"),
    path("compliance/export/<slug:table>.<slug:fmt>", views.compliance_export, name="compliance-export"),
    path("compliance/run/", views.compliance_run, name="compliance-run"),
    path("compliance/waivers/", views.waiver_list, name="compliance-waivers"),
    path("compliance/waivers/<int:pk>/revoke/", views.waiver_revoke_view, name="compliance-waiver-revoke"),
]
