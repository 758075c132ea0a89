"""The only code that assigns or removes object permissions on data products.

Visibility of a `discovery: restricted` product comes from `view_dataproduct`, held by the
groups its contract's `access.read` names (`role:<r>`, `domain:<d>`, a plain group, `team:<t>`)
and, later, by holders of an access grant. Owners and governance leads see everything of theirs
without a permission row (catalog.querysets).
"""

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from .models import DataProductGroupObjectPermission

VIEW = "catalog.view_dataproduct"


def group_name_for_principal(kind: str, value: str) -> str | None:
    if kind == "role":
        return f"role:{value}"
    if kind == "domain":
        return f"domain:{value}"
    if kind == "team":
        return f"team:{value}"
    if kind == "group":
        return value
    return None  # a single user: their grant, not a group, gives them access


def product_permissions_sync(*, product, read_rules) -> None:
    """Make the group view permissions of `product` match its current `access.read` rules.

    read_rules: iterable of (kind, value). Called in the transaction that publishes a version.
    """
    wanted = {name for kind, value in read_rules if (name := group_name_for_principal(kind, value))}
    existing = DataProductGroupObjectPermission.objects.filter(
        content_object=product, permission__codename="view_dataproduct"
    ).select_related("group")
    have = {row.group.name: row for row in existing}
    for name, row in have.items():
        if name not in wanted:
            row.delete()
    for name in wanted - have.keys():
        group, _ = Group.objects.get_or_create(name=name)
        assign_perm(VIEW, group, product)
