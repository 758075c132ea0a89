"""Reads of the platform: a product's scaffold and the seed's product ids."""

from __future__ import annotations

from django.db.models import Q

from catalog import selectors
from catalog.models import DataProduct

from .scaffold import Scaffold, scaffold_build


def product_scaffold(*, user, domain: str, name: str, version: str | None = None) -> Scaffold | None:
    """The scaffold of the version `user` would see on the product page (`version`, else the
    current one, else the newest draft for those who see drafts); None when the product or the
    version is missing or hidden. Raises NoScaffold when the version has no platform spec."""
    product = selectors.product_get(user=user, domain=domain, name=name)
    if product is None:
        return None
    sees_drafts = selectors.user_sees_drafts(user=user, product=product)
    if version:
        shown = selectors.product_version_get(product=product, version=version, with_drafts=sees_drafts)
    elif product.current_version_id:
        shown = product.current_version
    else:
        versions = selectors.product_versions(product=product, with_drafts=sees_drafts)
        shown = versions[0] if versions else None
    if shown is None:
        return None
    full = selectors.version_with_contract(version_id=shown.pk)
    return scaffold_build(contract=full.contract, contract_text=full.contract_text)


def product_by_id(*, user, product_id: str) -> list[DataProduct]:
    """The products `user` may see whose seed id `<domain>_<name>` is `product_id` (several only
    when domain and name both contain '_' in a way that makes the id ambiguous)."""
    if len(product_id) > 260:
        return []
    q = Q(pk__in=[])
    for i, char in enumerate(product_id):
        if char == "_" and 0 < i < len(product_id) - 1:
            q |= Q(domain__name=product_id[:i], name=product_id[i + 1 :])
    return list(DataProduct.objects.for_user(user).filter(q).select_related("domain")[:2])
