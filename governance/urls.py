from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy-edit"),
]
