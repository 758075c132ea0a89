from django.urls import path

from . import views

PRODUCT = "products/<slug:domain>/<slug:name>/"

urlpatterns = [
    path("domains/", views.DomainList.as_view(), name="api-domains"),
    path("products/", views.ProductList.as_view(), name="api-products"),
    path(PRODUCT, views.ProductDetail.as_view(), name="api-product"),
    path(PRODUCT + "versions/", views.ProductVersionList.as_view(), name="api-product-versions"),
    path(
        PRODUCT + "versions/<str:version>/contract/",
        views.ProductVersionContract.as_view(),
        name="api-product-contract",
    ),
]
