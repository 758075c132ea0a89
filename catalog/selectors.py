"""Reads for pages and the API. Every product read starts from DataProduct.objects.for_user()."""

from itertools import groupby

from .models import DataProduct


def product_list_for_home(*, user):
    """The products `user` may see, with what the home page shows, grouped by domain name."""
    products = (
        DataProduct.objects.for_user(user)
        .select_related("domain", "owning_team", "current_version")
        .defer(*(f"current_version__{f}" for f in ("contract_text", "document", "contract", "violations")))
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
    product = (
        DataProduct.objects.filter(domain__name=domain, name=name).select_related("current_version").first()
    )
    if product is None:
        return None
    if product.current_version is not None:
        return product.current_version
    return (
        versions.filter(status=VersionStatus.DRAFT)
        .order_by("-major", "-minor", "-patch", "-created_at")
        .first()
    )


# --- Product pages ----------------------------------------------------------------------

# Columns of a version that only the contract tab and exports need.
HEAVY_VERSION_FIELDS = ("contract_text", "document", "contract")


def product_get(*, user, domain: str, name: str):
    """The product `user` may see, with its domain, team and current version; else None
    (whether it is missing or hidden: callers answer both the same way)."""
    return (
        DataProduct.objects.for_user(user)
        .select_related("domain", "owning_team", "current_version")
        .filter(domain__name=domain, name=name)
        .first()
    )


def user_sees_drafts(*, user, product) -> bool:
    """Owners (members of the owning team) and governance leads see drafts and violations."""
    from .models import TeamMembership
    from .querysets import user_is_governance_lead

    if user_is_governance_lead(user):
        return True
    return TeamMembership.objects.filter(team_id=product.owning_team_id, user_id=user.pk).exists()


def product_versions(*, product, with_drafts: bool) -> list:
    """Newest first; drafts only for those who may see them. Heavy columns are deferred."""
    from .models import ProductVersion, VersionStatus

    versions = ProductVersion.objects.filter(product=product).defer(*HEAVY_VERSION_FIELDS)
    if not with_drafts:
        versions = versions.exclude(status=VersionStatus.DRAFT)
    return sorted(versions, key=lambda v: v.sort_key, reverse=True)


def version_with_contract(*, version_id: int):
    from .models import ProductVersion

    return ProductVersion.objects.get(pk=version_id)


def version_fields(*, version) -> list:
    return list(version.fields.order_by("position"))


def version_upstreams(*, user, version) -> list[tuple]:
    """(input port, upstream product or None) for each input port; the product only when
    `user` may see it, so a hidden upstream reads exactly like an unknown one."""
    ports = list(version.input_ports.order_by("table"))
    ids = {p.upstream_id for p in ports if p.upstream_id}
    visible = (
        {p.pk: p for p in DataProduct.objects.for_user(user).filter(pk__in=ids).select_related("domain")}
        if ids
        else {}
    )
    return [(port, visible.get(port.upstream_id)) for port in ports]


def product_downstreams(*, user, product) -> list:
    """Visible products whose current version reads `product` through an input port."""
    return list(
        DataProduct.objects.for_user(user)
        .filter(current_version__input_ports__upstream=product)
        .select_related("domain", "owning_team")
        .distinct()
        .order_by("domain__name", "name")
    )


def version_service_levels(*, version):
    """(ServiceLevel or None, [QualityCheck])."""
    from .models import ServiceLevel

    sla = ServiceLevel.objects.filter(version=version).first()
    return sla, list(version.quality_checks.order_by("position"))


def fields_of_versions(*, version_ids) -> dict[int, list]:
    from .models import SchemaField

    grouped: dict[int, list] = {vid: [] for vid in version_ids}
    for f in SchemaField.objects.filter(version_id__in=version_ids).order_by("version_id", "position"):
        grouped[f.version_id].append(f)
    return grouped


def schema_diff(old_fields, new_fields) -> dict:
    """Fields added, removed and changed (type, description, constraints, key, PII) between
    two versions' schemas, by field name."""
    old = {f.name: f for f in old_fields}
    new = {f.name: f for f in new_fields}
    changed = []
    for name in [f.name for f in new_fields if f.name in old]:
        before, after = old[name], new[name]
        changes = []
        for attr, label in (
            ("type", "type"),
            ("description", "description"),
            ("constraints", "constraints"),
            ("is_primary_key", "primary key"),
            ("is_pii", "PII"),
            ("pii_category", "PII category"),
        ):
            a, b = getattr(before, attr), getattr(after, attr)
            if a != b:
                changes.append({"attribute": label, "before": a, "after": b})
        if changes:
            changed.append({"name": name, "changes": changes})
    return {
        "added": [f for f in new_fields if f.name not in old],
        "removed": [f for f in old_fields if f.name not in new],
        "changed": changed,
    }


# --- Domains ----------------------------------------------------------------------------


def domain_list_for(*, user) -> list:
    """Every domain, with the number of products in it that `user` may see."""
    from django.db.models import Count, Q

    from .models import Domain

    visible = DataProduct.objects.for_user(user).values("pk")
    return list(
        Domain.objects.annotate(product_count=Count("products", filter=Q(products__in=visible)))
        .prefetch_related("teams")
        .order_by("name")
    )


def domain_get(*, name: str):
    from .models import Domain

    return Domain.objects.filter(name=name).prefetch_related("teams").first()


def domain_products(*, user, domain) -> list:
    """The visible products of a domain, with what their health at a glance needs."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce

    return list(
        DataProduct.objects.for_user(user)
        .filter(domain=domain)
        .select_related("owning_team", "current_version")
        .defer(*(f"current_version__{f}" for f in (*HEAVY_VERSION_FIELDS, "violations", "changelog_entry")))
        .annotate(
            field_count=Coalesce(F("search_document__field_count"), Value(0)),
            has_pii=Coalesce(F("search_document__has_pii"), Value(False)),
        )
        .prefetch_related("tags")
        .order_by("name")
    )


def product_version_get(*, product, version: str, with_drafts: bool):
    """One version of a product, with its contract; drafts only when `with_drafts`."""
    from .models import ProductVersion, VersionStatus

    versions = ProductVersion.objects.filter(product=product, version=version)
    if not with_drafts:
        versions = versions.exclude(status=VersionStatus.DRAFT)
    return versions.first()


def product_owner_emails(product) -> list[str]:
    """Who to tell about a product: its owning team's active members with an email, and the
    team's contact address."""
    from django.contrib.auth import get_user_model

    emails = set(
        get_user_model()
        .objects.filter(memberships__team_id=product.owning_team_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if product.owning_team.contact:
        emails.add(product.owning_team.contact)
    return sorted(emails)
