from django.urls import path

from . import views

urlpatterns = [
    path("domains/", views.DomainList.as_view(), name="api-domains"),
]
