from django.urls import path

from . import publish_views

urlpatterns = [
    path("publish/", publish_views.product_create, name="product-create"),
    path(
        "products/<slug:domain>/<slug:name>/publish/", publish_views.product_publish, name="product-publish"
    ),
]
