from django.urls import path, re_path

from . import views

PRODUCT = r"^products/(?P<domain>[-\w]+)/(?P<name>[-\w]+)/"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/saved/", views.saved_search_save, name="saved-search-save"),
    path("search/saved/<int:pk>/delete/", views.saved_search_delete, name="saved-search-delete"),
    path("domains/", views.domain_list, name="domain-list"),
    path("domains/<slug:name>/", views.domain_detail, name="domain-detail"),
    re_path(PRODUCT + r"$", views.product_page, name="product"),
    re_path(PRODUCT + r"contract\.yaml$", views.product_contract_download, name="product-contract-yaml"),
    re_path(
        PRODUCT + r"(?P<tab>readme|schema|sla|changelog|contract)/$", views.product_page, name="product-tab"
    ),
]
