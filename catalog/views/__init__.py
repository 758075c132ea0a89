"""Catalog pages. Every product read goes through `DataProduct.objects.for_user()` (in
catalog.selectors and catalog.search); a product a user may not see is a plain 404."""

from .domains import domain_detail, domain_list
from .home import home
from .products import product_contract_download, product_page
from .search import saved_search_delete, saved_search_save, search

__all__ = [
    "domain_detail",
    "domain_list",
    "home",
    "product_contract_download",
    "product_page",
    "saved_search_delete",
    "saved_search_save",
    "search",
]
