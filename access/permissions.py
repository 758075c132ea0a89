"""The only code that assigns or removes object permissions on data products.

Visibility of a `discovery: restricted` product comes from `view_dataproduct`, held by the
groups its contract's `access.read` names (`role:<r>`, `domain:<d>`, a plain group, `team:<t>`)
and, later, by holders of an access grant. Owners and governance leads see everything of theirs
without a permission row (catalog.querysets).
"""

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, remove_perm

from .models import AccessGrant, DataProductGroupObjectPermission

VIEW = "catalog.view_dataproduct"
READ_DATA = "catalog.read_data"
GRANT_PERMS = (VIEW, READ_DATA)


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


def grant_permissions_assign(*, user, product) -> None:
    """Give a grant holder `view_dataproduct` and `read_data` on the product (idempotent)."""
    for perm in GRANT_PERMS:
        assign_perm(perm, user, product)


def grant_permissions_remove(*, user, product, now=None) -> None:
    """Take the grant permissions away unless another grant of the user on it is still live.

    The permissions are a derived cache of the grant table: read checks read the grant (with
    its expiry) themselves, so a late sweep never extends access.
    """
    if AccessGrant.objects.active(now).filter(user=user, product=product).exists():
        return
    for perm in GRANT_PERMS:
        remove_perm(perm, user, product)
