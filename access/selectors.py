"""Access reads: who may read a product's data, inboxes, the audit log, the product panel."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from catalog.models import DataProduct, TeamMembership
from catalog.querysets import user_is_governance_lead

from .models import AccessGrant, AccessRequest, AuditEvent, RequestStatus


def active_grant(*, user, product) -> AccessGrant | None:
    """The user's grant in force now. Reads the grant table with its expiry, never the
    permission cache, so an expired grant is refused before the sweep has run."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return AccessGrant.objects.active().filter(user_id=user.pk, product_id=product.pk).first()


def user_owns(user, product) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return TeamMembership.objects.filter(team_id=product.owning_team_id, user_id=user.pk).exists()


def user_may_read_data(*, user, product) -> bool:
    """Grant holders, the product's owners and governance leads."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user_is_governance_lead(user) or user_owns(user, product):
        return True
    return active_grant(user=user, product=product) is not None


def consumption_details(product) -> list[dict]:
    """How to consume the product: each output port, plus the storage location."""
    version = product.current_version
    if version is None:
        return []
    ports = [
        {"name": p.name, "type": p.type, "location": p.location, "description": p.description}
        for p in version.output_ports.all()
    ]
    schema = (version.contract or {}).get("schema") or {}
    if schema.get("location") and schema["location"] not in {p["location"] for p in ports}:
        ports.insert(
            0,
            {
                "name": "storage",
                "type": schema.get("type") or "table",
                "location": schema["location"],
                "description": "Partitioned by " + ", ".join(schema["partitioned_by"])
                if schema.get("partitioned_by")
                else "",
            },
        )
    return ports


def product_access_context(*, user, product) -> dict:
    """What the product page needs to render `access/includes/product_access_panel.html`.

    `product` must already be visible to `user` (catalog.visibility). Five queries at most.
    """
    authenticated = getattr(user, "is_authenticated", False)
    is_owner = user_owns(user, product) if authenticated else False
    is_lead = user_is_governance_lead(user) if authenticated else False
    grant = active_grant(user=user, product=product) if authenticated else None
    open_request = (
        AccessRequest.objects.open().filter(product_id=product.pk, requester_id=user.pk).first()
        if authenticated
        else None
    )
    can_preview = bool(is_owner or is_lead or grant)
    holds_by_role = is_owner or is_lead
    renew_due = bool(grant and grant.expires_at and grant.expires_at - timezone.now() < dt.timedelta(days=14))
    return {
        "product": product,
        "is_owner": is_owner,
        "is_governance_lead": is_lead,
        "active_grant": grant,
        "open_request": open_request,
        "can_request": bool(authenticated and not holds_by_role and grant is None and open_request is None),
        "can_renew": bool(grant and open_request is None and grant.expires_at is not None),
        "renew_due": renew_due,
        "can_preview": can_preview,
        "consumption": consumption_details(product) if can_preview else [],
        "classification": product.classification,
    }


# --- lists -------------------------------------------------------------------------------------------


def requests_of(user):
    return AccessRequest.objects.filter(requester_id=user.pk).select_related("product__domain")


def grants_of(user):
    return AccessGrant.objects.filter(user_id=user.pk).select_related("product__domain", "request")


def requests_to_decide(user):
    """Open requests `user` may decide now: the owner stage of their products, and, for a
    governance lead, the governance stage of all. Never their own."""
    if not getattr(user, "is_authenticated", False):
        return AccessRequest.objects.none()
    owned = Exists(
        TeamMembership.objects.filter(team_id=OuterRef("product__owning_team_id"), user_id=user.pk)
    )
    condition = Q(owned, status=RequestStatus.PENDING_OWNER)
    if user_is_governance_lead(user):
        condition |= Q(status=RequestStatus.PENDING_GOVERNANCE)
    return (
        AccessRequest.objects.filter(condition)
        .exclude(requester_id=user.pk)
        .select_related("product__domain", "requester")
        .order_by("created_at", "id")
    )


def inbox_count(user) -> int:
    """One query: the number of requests waiting for `user`."""
    return requests_to_decide(user).count()


def requests_visible_to(user):
    """The API list: my requests and those I decide (or decided)."""
    owned = Exists(
        TeamMembership.objects.filter(team_id=OuterRef("product__owning_team_id"), user_id=user.pk)
    )
    condition = Q(requester_id=user.pk) | Q(owned)
    if user_is_governance_lead(user):
        condition |= Q(needs_governance=True)
    return AccessRequest.objects.filter(condition).select_related("product__domain", "requester")


def grants_visible_to(user):
    """The API list: my grants and the grants on products I own (all for governance leads)."""
    if user_is_governance_lead(user):
        return AccessGrant.objects.select_related("product__domain", "user")
    # The owned products' ids first (one query): then both arms of the OR are index scans, where
    # a correlated EXISTS made PostgreSQL probe every one of 500k grants (2.3 s in bench/access.py).
    owned = list(
        DataProduct.objects.filter(owning_team__memberships__user_id=user.pk).values_list("pk", flat=True)
    )
    return AccessGrant.objects.filter(Q(user_id=user.pk) | Q(product_id__in=owned)).select_related(
        "product__domain", "user"
    )


def grants_on(product):
    return AccessGrant.objects.filter(product=product).select_related("user", "granted_by")


# --- audit -------------------------------------------------------------------------------------------


def audit_may_view(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user_is_governance_lead(user) or TeamMembership.objects.filter(user_id=user.pk).exists()


def audit_events_for(user):
    """Governance leads: everything; owners: the events of their products."""
    if user_is_governance_lead(user):
        return AuditEvent.objects.all()
    owned = DataProduct.objects.filter(owning_team__memberships__user_id=user.pk).values("pk")
    return AuditEvent.objects.filter(product_id__in=owned)
