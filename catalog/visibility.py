"""Object lookups that answer a user who may not see an object exactly like a missing one."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import DataProduct, Domain, TeamMembership
from .querysets import user_is_governance_lead

CREATE_DENIED = "You may not publish a product of this name in this domain."


def visible_product_or_404(user, *, domain: str, name: str, queryset=None) -> DataProduct:
    qs = queryset if queryset is not None else DataProduct.objects.all()
    product = (
        qs.for_user(user)
        .filter(domain__name=domain, name=name)
        .select_related("domain", "owning_team")
        .first()
    )
    if product is None:
        raise Http404("Not found.")
    return product


def user_may_change_product(user, product: DataProduct) -> bool:
    if user_is_governance_lead(user):
        return True
    return DataProduct.objects.for_user(user, "change").filter(pk=product.pk).exists()


def publish_target(user, *, domain: str, name: str) -> DataProduct | None:
    """Who may submit a version of <domain>/<name>.

    A visible product: its owners (403 for others). A product the user cannot see is treated as
    missing: creating a product needs membership of a team of the domain, so a stranger gets 403
    for both, and an existing-but-invisible product is never revealed. Unknown domain: 404.
    """
    if not Domain.objects.filter(name=domain).exists():
        raise Http404("Not found.")
    # Existence is read before visibility: a product created by a concurrent first submission
    # between the two reads is then found visible, never mistaken for a hidden one.
    if DataProduct.objects.filter(domain__name=domain, name=name).exists():
        product = DataProduct.objects.for_user(user).filter(domain__name=domain, name=name).first()
        if product is None:
            # One message for a hidden product and a stranger's creation, so nothing is revealed.
            raise PermissionDenied(CREATE_DENIED)
        if not user_may_change_product(user, product):
            raise PermissionDenied("Only the product's owners may publish versions of it.")
        return product
    if user_is_governance_lead(user):
        return None
    if not TeamMembership.objects.filter(user=user, team__domain__name=domain).exists():
        raise PermissionDenied(CREATE_DENIED)
    return None
