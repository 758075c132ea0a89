"""Reads for pages and the API. Every product read starts from DataProduct.objects.for_user()."""

from itertools import groupby

from .models import DataProduct


def product_list_for_home(*, user):
    """The products `user` may see, with what the home page shows, grouped by domain name."""
    products = (
        DataProduct.objects.for_user(user)
        .select_related("domain", "owning_team", "current_version")
        .order_by("domain__name", "name")
    )
    return [(domain, list(items)) for domain, items in groupby(products, key=lambda p: p.domain)]


def version_for_export(*, domain: str, name: str, version: str | None = None):
    """The named version, else the current one, else the newest draft (no visibility filter:
    callers are trusted commands or views that already checked the product)."""
    from .models import ProductVersion, VersionStatus

    versions = ProductVersion.objects.filter(product__domain__name=domain, product__name=name)
    if version:
        return versions.filter(version=version).first()
    product = DataProduct.objects.filter(domain__name=domain, name=name).select_related("current_version").first()
    if product is None:
        return None
    if product.current_version is not None:
        return product.current_version
    return versions.filter(status=VersionStatus.DRAFT).order_by("-major", "-minor", "-patch", "-created_at").first()
