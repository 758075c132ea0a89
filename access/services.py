"""Access writes: requests, decisions, grants, revocation, expiry, notifications.

Every transition locks the request (or grant) row with `select_for_update()` inside one
transaction, re-checks the actor's right there, writes the audit row in the same transaction
and queues notifications with `transaction.on_commit`, so a rolled-back decision sends nothing.
Concurrent duplicates are stopped by the database (`one_open_access_request`,
`one_live_grant`) and surface as `AccessConflict` (409).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import AccessRule, DataProduct, Profile, SchemaField, TeamMembership
from catalog.querysets import GOVERNANCE_GROUP
from catalog.selectors import product_owner_emails
from governance.selectors import active_policy_params

from .audit import audit_record
from .models import AccessGrant, AccessRequest, GrantEnd, RequestStatus
from .permissions import grant_permissions_assign, grant_permissions_remove

AUTO_APPROVE_CLASSIFICATIONS = ("public", "internal")
GOVERNANCE_CLASSIFICATIONS = ("confidential", "restricted")
# Policy caps on the agreed end date. The policy file has no parameter for it yet, so the
# default comes from settings; SOX domains are capped harder (quarterly re-certification).
MAX_GRANT_DAYS = getattr(settings, "MESH_ACCESS_MAX_DAYS", 365)
SOX_MAX_GRANT_DAYS = getattr(settings, "MESH_ACCESS_SOX_MAX_DAYS", 90)


class AccessError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AccessInvalid(AccessError):
    pass


class AccessDenied(AccessError):
    status_code = 403
    code = "permission_denied"


class AccessNotFound(AccessError):
    status_code = 404
    code = "not_found"


class AccessConflict(AccessError):
    status_code = 409
    code = "conflict"


# --- reads the writes need ---------------------------------------------------------------------


def user_owns_product(user, product: DataProduct) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return TeamMembership.objects.filter(team_id=product.owning_team_id, user_id=user.pk).exists()


def user_is_governance_lead_now(user) -> bool:
    """Fresh from the database (no per-request cache): used inside decision transactions."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=GOVERNANCE_GROUP).exists()


@dataclass(frozen=True)
class PolicyDecision:
    approve_now: bool
    needs_governance: bool
    rule: str
    max_days: int | None


def access_policy_decide(*, product: DataProduct, requester) -> PolicyDecision:
    """Which rule decides a request of `requester` for `product` (spec step 2)."""
    params = active_policy_params().domain(product.domain.name)
    max_days = SOX_MAX_GRANT_DAYS if params.sox_compliance else MAX_GRANT_DAYS
    classification = product.classification or ""
    profile = Profile.objects.filter(user_id=requester.pk).select_related("home_domain").first()
    role = profile.consumer_role if profile else ""
    home = profile.home_domain.name if profile and profile.home_domain_id else ""
    rules = set(
        AccessRule.objects.filter(
            version_id=product.current_version_id, mode="read", principal_kind__in=("role", "domain")
        ).values_list("principal_kind", "principal")
    )
    sensitive = []
    if params.approval_required:
        sensitive = sorted(
            SchemaField.objects.filter(
                version_id=product.current_version_id, name__in=params.approval_required
            ).values_list("name", flat=True)
        )
    if classification in AUTO_APPROVE_CLASSIFICATIONS and not sensitive:
        if role and ("role", role) in rules:
            return PolicyDecision(
                True, False, f"auto: {classification} product, access.read lists role {role}", max_days
            )
        if home and ("domain", home) in rules:
            return PolicyDecision(
                True, False, f"auto: {classification} product, access.read lists domain {home}", max_days
            )
    if sensitive:
        return PolicyDecision(
            False,
            True,
            f"owners then governance: domain policy requires approval for {', '.join(sensitive)}",
            max_days,
        )
    if classification in GOVERNANCE_CLASSIFICATIONS:
        return PolicyDecision(False, True, f"owners then governance: {classification} product", max_days)
    reason = f"{classification} product" if classification else "unclassified product"
    return PolicyDecision(
        False, False, f"owners decide: {reason}, requester not listed in access.read", max_days
    )


# --- requests ------------------------------------------------------------------------------------


def _capped_end(expires_at, decision: PolicyDecision, now) -> tuple[dt.datetime | None, bool]:
    if expires_at is not None and expires_at <= now:
        raise AccessInvalid("The end date must be in the future.", field="expires_at")
    if decision.max_days is None:
        return expires_at, False
    limit = now + dt.timedelta(days=decision.max_days)
    if expires_at is None or expires_at > limit:
        # SOX domains always get an end date; elsewhere an open-ended request stays open-ended.
        if expires_at is None and decision.max_days != SOX_MAX_GRANT_DAYS:
            return None, False
        return limit, True
    return expires_at, False


def access_request_create(
    *, product: DataProduct, requester, purpose: str, note: str = "", expires_at=None, renew: bool = False
) -> AccessRequest:
    """Open a request (or a renewal of the requester's live grant) and apply the policy.

    When policy approves at once the request is created approved, with its grant, in the same
    transaction. Raises AccessInvalid (no purpose, past date), AccessNotFound (a product the
    requester may not see), AccessConflict (an open request exists, access is already held).
    """
    purpose = (purpose or "").strip()
    if not purpose:
        raise AccessInvalid("Say what you need the data for.", field="purpose")
    if not DataProduct.objects.for_user(requester).filter(pk=product.pk).exists():
        raise AccessNotFound("Not found.")
    if user_owns_product(requester, product) or user_is_governance_lead_now(requester):
        raise AccessConflict("You already have access to this product as its owner or a governance lead.")
    now = timezone.now()
    decision = access_policy_decide(product=product, requester=requester)
    end, capped = _capped_end(expires_at, decision, now)
    try:
        with transaction.atomic():
            live = (
                AccessGrant.objects.select_for_update()
                .filter(product=product, user=requester)
                .active(now)
                .first()
            )
            if live is not None and not renew:
                raise AccessConflict("You already hold access to this product; renew it instead.")
            if renew and live is None:
                raise AccessConflict("There is no live grant to renew; request access instead.")
            request = AccessRequest.objects.create(
                product=product,
                requester=requester,
                purpose=purpose,
                note=(note or "").strip(),
                expires_at=end,
                status=RequestStatus.APPROVED if decision.approve_now else RequestStatus.PENDING_OWNER,
                decided_rule=decision.rule,
                needs_governance=decision.needs_governance,
                renews=live,
            )
            audit_record(
                actor=requester,
                action="access_request.create",
                obj=request,
                product=product,
                after=request.snapshot(),
                details={"purpose": purpose, "renews": live.pk if live else None, "capped": capped},
            )
            if decision.approve_now:
                audit_record(
                    actor=None,
                    action="access_request.approve",
                    obj=request,
                    product=product,
                    before={"status": "new"},
                    after=request.snapshot(),
                    details={"rule": decision.rule},
                )
                _grant_create(request=request, granted_by=None, now=now)
                _notify_on_commit(request.pk, "approved")
            else:
                _notify_on_commit(request.pk, "requested")
    except IntegrityError as exc:
        raise AccessConflict("You already have an open request for this product.") from exc
    return request


def _lock_request(request_id: int) -> AccessRequest:
    try:
        return (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("product__domain", "requester")
            .get(pk=request_id)
        )
    except AccessRequest.DoesNotExist as exc:
        raise AccessNotFound("Not found.") from exc


def _check_decider(request: AccessRequest, user) -> str:
    """Which stage `user` may decide now ("owner" or "governance"); raises otherwise."""
    if request.requester_id == user.pk:
        raise AccessDenied("Nobody decides their own request.")
    if request.status == RequestStatus.PENDING_OWNER:
        if user_owns_product(user, request.product):
            return "owner"
        raise AccessDenied("Only the product's owners decide this request now.")
    if request.status == RequestStatus.PENDING_GOVERNANCE:
        if user_is_governance_lead_now(user):
            return "governance"
        raise AccessDenied("Only a governance lead decides this request now.")
    raise AccessConflict(f"This request is already {request.get_status_display().lower()}.")


def _stamp_decider(request: AccessRequest, *, stage: str, user, now) -> None:
    if stage == "owner":
        request.owner_decided_by, request.owner_decided_at = user, now
    else:
        request.governance_decided_by, request.governance_decided_at = user, now


def access_request_approve(*, request_id: int, decided_by) -> AccessRequest:
    """Approve the current stage; the last approval creates the grant and its permissions."""
    now = timezone.now()
    with transaction.atomic():
        request = _lock_request(request_id)
        stage = _check_decider(request, decided_by)
        before = request.snapshot()
        _stamp_decider(request, stage=stage, user=decided_by, now=now)
        if stage == "owner" and request.needs_governance:
            request.status = RequestStatus.PENDING_GOVERNANCE
            event = "owner_approved"
        else:
            request.status = RequestStatus.APPROVED
            event = "approved"
        request.save()
        audit_record(
            actor=decided_by,
            action=f"access_request.{'owner_approve' if event == 'owner_approved' else 'approve'}",
            obj=request,
            product=request.product,
            before=before,
            after=request.snapshot(),
            details={"stage": stage},
        )
        if event == "approved":
            _grant_create(request=request, granted_by=decided_by, now=now)
        _notify_on_commit(request.pk, event)
    return request


def access_request_reject(*, request_id: int, decided_by, comment: str) -> AccessRequest:
    """Reject at the current stage; a comment saying why is required."""
    comment = (comment or "").strip()
    if not comment:
        raise AccessInvalid("Say why the request is rejected.", field="comment")
    now = timezone.now()
    with transaction.atomic():
        request = _lock_request(request_id)
        stage = _check_decider(request, decided_by)
        before = request.snapshot()
        _stamp_decider(request, stage=stage, user=decided_by, now=now)
        request.status = RequestStatus.REJECTED
        request.comment = comment
        request.save()
        audit_record(
            actor=decided_by,
            action="access_request.reject",
            obj=request,
            product=request.product,
            before=before,
            after=request.snapshot(),
            details={"stage": stage, "comment": comment},
        )
        _notify_on_commit(request.pk, "rejected")
    return request


def access_request_cancel(*, request_id: int, cancelled_by) -> AccessRequest:
    """The requester withdraws an open request."""
    with transaction.atomic():
        request = _lock_request(request_id)
        if request.requester_id != cancelled_by.pk:
            raise AccessDenied("Only the requester may cancel a request.")
        if not request.is_open:
            raise AccessConflict(f"This request is already {request.get_status_display().lower()}.")
        before = request.snapshot()
        request.status = RequestStatus.CANCELLED
        request.save()
        audit_record(
            actor=cancelled_by,
            action="access_request.cancel",
            obj=request,
            product=request.product,
            before=before,
            after=request.snapshot(),
        )
        _notify_on_commit(request.pk, "cancelled")
    return request


# --- grants ----------------------------------------------------------------------------------------


def _grant_create(*, request: AccessRequest, granted_by, now) -> AccessGrant:
    if request.renews_id:
        old = AccessGrant.objects.select_for_update().get(pk=request.renews_id)
        if old.revoked_at is None:
            _grant_end(grant=old, reason=GrantEnd.RENEWED, actor=granted_by, now=now, remove=False)
    grant = AccessGrant.objects.create(
        product=request.product,
        user=request.requester,
        level=request.level,
        granted_by=granted_by,
        request=request,
        expires_at=request.expires_at,
    )
    grant_permissions_assign(user=request.requester, product=request.product)
    audit_record(
        actor=granted_by,
        action="access_grant.create",
        obj=grant,
        product=request.product,
        after=grant.snapshot(),
        details={"request": request.pk, "grantee": request.requester.username},
    )
    return grant


def _grant_end(*, grant: AccessGrant, reason: str, actor, now, remove: bool = True) -> None:
    before = grant.snapshot()
    grant.revoked_at = now
    grant.revoked_by = actor
    grant.end_reason = reason
    grant.save(update_fields=["revoked_at", "revoked_by", "end_reason"])
    if remove:
        grant_permissions_remove(user=grant.user, product=grant.product, now=now)
    action = {"revoked": "access_grant.revoke", "expired": "access_grant.expire"}.get(
        reason, "access_grant.renew"
    )
    audit_record(
        actor=actor,
        action=action,
        obj=grant,
        product=grant.product,
        before=before,
        after=grant.snapshot(),
        details={"grantee": grant.user.username},
    )


def access_grant_revoke(*, grant_id: int, revoked_by) -> AccessGrant:
    """Owners (and governance leads) end a grant now; the permissions go with it."""
    now = timezone.now()
    with transaction.atomic():
        try:
            grant = (
                AccessGrant.objects.select_for_update(of=("self",))
                .select_related("product__domain", "user")
                .get(pk=grant_id)
            )
        except AccessGrant.DoesNotExist as exc:
            raise AccessNotFound("Not found.") from exc
        if not (user_owns_product(revoked_by, grant.product) or user_is_governance_lead_now(revoked_by)):
            raise AccessDenied("Only the product's owners may revoke its grants.")
        if grant.revoked_at is not None:
            raise AccessConflict("This grant has already ended.")
        _grant_end(grant=grant, reason=GrantEnd.REVOKED, actor=revoked_by, now=now)
        _notify_grant_on_commit(grant.pk, "revoked")
    return grant


def access_grants_expire(*, now=None, batch: int = 500) -> list[int]:
    """End every grant past its end date (the beat sweep); returns the ids ended.

    Concurrent sweeps skip each other's rows (SKIP LOCKED), so no grant expires twice; a second
    run finds nothing to do. Reads never wait for this: they check `expires_at` themselves.
    """
    now = now or timezone.now()
    ended: list[int] = []
    skip = connection.features.has_select_for_update_skip_locked
    while True:
        with transaction.atomic():
            due = list(
                AccessGrant.objects.select_for_update(skip_locked=skip, of=("self",))
                .filter(revoked_at__isnull=True, expires_at__lte=now)
                .select_related("product__domain", "user")
                .order_by("expires_at", "pk")[:batch]
            )
            for grant in due:
                _grant_end(grant=grant, reason=GrantEnd.EXPIRED, actor=None, now=now)
                _notify_grant_on_commit(grant.pk, "expired")
                ended.append(grant.pk)
        if len(due) < batch:
            return ended


# --- data access audit -------------------------------------------------------------------------------


def data_access_record(*, user, product: DataProduct, action: str, details: dict | None = None) -> bool:
    """Log a read of the product's data when its domain's policy sets audit_all_access."""
    if not active_policy_params().domain(product.domain.name).audit_all_access:
        return False
    audit_record(actor=user, action=action, obj=product, details=details or {})
    return True


# --- notifications -------------------------------------------------------------------------------------


def _notify_on_commit(request_id: int, event: str) -> None:
    from .tasks import access_request_notify

    transaction.on_commit(lambda: access_request_notify.delay(request_id, event))


def _notify_grant_on_commit(grant_id: int, event: str) -> None:
    from .tasks import access_grant_notify

    transaction.on_commit(lambda: access_grant_notify.delay(grant_id, event))


def _governance_emails() -> list[str]:
    return sorted(
        set(
            get_user_model()
            .objects.filter(groups__name=GOVERNANCE_GROUP, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


_SUBJECTS = {
    "requested": "Access requested: {product}",
    "owner_approved": "Access approved by the owners, governance to decide: {product}",
    "approved": "Access granted: {product}",
    "rejected": "Access rejected: {product}",
    "cancelled": "Access request cancelled: {product}",
    "revoked": "Access revoked: {product}",
    "expired": "Access expired: {product}",
}


def access_request_notification_send(*, request_id: int, event: str) -> int:
    """Email the deciders and the requester about a request's step; returns emails sent."""
    request = (
        AccessRequest.objects.select_related("product__domain", "product__owning_team", "requester")
        .filter(pk=request_id)
        .first()
    )
    if request is None or event not in _SUBJECTS:
        return 0
    product = request.product
    to = {request.requester.email} if request.requester.email else set()
    if event in ("requested", "cancelled", "approved", "rejected"):
        to |= set(product_owner_emails(product))
    if event == "owner_approved":
        to |= set(_governance_emails())
    inbox = settings.MESH_PUBLIC_URL.rstrip("/") + reverse("access:inbox")
    body = (
        f"{request.requester.username} asked to read {product.ref}.\n"
        f"Purpose: {request.purpose}\nStatus: {request.get_status_display()}\n"
        f"Rule: {request.decided_rule}\n"
        + (f"Comment: {request.comment}\n" if request.comment else "")
        + f"\nInbox: {inbox}\n"
    )
    sent = 0
    for address in sorted(to):
        sent += send_mail(_SUBJECTS[event].format(product=product.ref), body, None, [address])
    return sent


def access_grant_notification_send(*, grant_id: int, event: str) -> int:
    grant = (
        AccessGrant.objects.select_related("product__domain", "product__owning_team", "user")
        .filter(pk=grant_id)
        .first()
    )
    if grant is None or event not in _SUBJECTS:
        return 0
    to = {grant.user.email} if grant.user.email else set()
    to |= set(product_owner_emails(grant.product))
    body = f"The grant of {grant.user.username} to read {grant.product.ref} has {event}.\n"
    sent = 0
    for address in sorted(to):
        sent += send_mail(_SUBJECTS[event].format(product=grant.product.ref), body, None, [address])
    return sent
