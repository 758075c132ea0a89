from django.urls import path

from . import views
from .compliance.urls import urlpatterns as compliance_urlpatterns

app_name = "governance"
urlpatterns = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy-edit"),
    *compliance_urlpatterns,
]
