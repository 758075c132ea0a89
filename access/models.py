"""Object permissions for data products, the append-only audit log, access requests and grants.

`access/` is the only code that assigns or removes permissions (access.permissions).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class DataProductUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class DataProductGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "content_object"])]


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One row per state change; never edited or deleted (a database trigger enforces it on PostgreSQL)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: rows are never updated, so deleting a user or product they name is refused
    # (deactivate users instead).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    product = models.ForeignKey(
        "catalog.DataProduct", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    domain_name = models.CharField(max_length=100, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["product", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Append-only: an existing row is never written again.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class AccessLevel(models.TextChoices):
    READ = "read", "Read"


class RequestStatus(models.TextChoices):
    PENDING_OWNER = "pending_owner", "Waiting for the owners"
    PENDING_GOVERNANCE = "pending_governance", "Waiting for governance"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (RequestStatus.PENDING_OWNER, RequestStatus.PENDING_GOVERNANCE)


class AccessRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class AccessRequest(models.Model):
    """A recorded agreement to read a product's data: who, what, why, until when.

    Every grant comes from one, even when policy approves it at once (`decided_rule` says which
    rule decided). Transitions live in access.services and lock the row (select_for_update).
    """

    product = models.ForeignKey(
        "catalog.DataProduct", on_delete=models.CASCADE, related_name="access_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    level = models.CharField(max_length=10, choices=AccessLevel.choices, default=AccessLevel.READ)
    purpose = models.TextField()
    note = models.TextField(blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The end date agreed (policy may cap it)."
    )
    status = models.CharField(max_length=20, choices=RequestStatus.choices, db_index=True)
    decided_rule = models.CharField(max_length=200, help_text="The policy rule that routed or approved it.")
    needs_governance = models.BooleanField(default=False)
    renews = models.ForeignKey(
        "AccessGrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewal_requests"
    )
    owner_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_decided_at = models.DateTimeField(null=True, blank=True)
    governance_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    governance_decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, help_text="The rejecting decider's reason.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Concurrent identical requests: the database keeps exactly one open (mapped to 409).
            models.UniqueConstraint(
                fields=["product", "requester"],
                condition=Q(status__in=["pending_owner", "pending_governance"]),
                name="one_open_access_request",
            ),
        ]
        indexes = [
            models.Index(fields=["requester", "-created_at"]),
            models.Index(fields=["product", "status"]),
        ]

    def __str__(self):
        return f"request #{self.pk}: {self.requester.username} to read {self.product}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def snapshot(self) -> dict:
        return {
            "status": self.status,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "decided_rule": self.decided_rule,
        }


class GrantEnd(models.TextChoices):
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    RENEWED = "renewed", "Replaced by a renewal"


class AccessGrantQuerySet(models.QuerySet):
    def active(self, now=None):
        """Grants in force now: not revoked and not past their end date (whether or not the
        expiry sweep has run yet)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class AccessGrant(models.Model):
    """The source of truth for reading a product's data; guardian's `read_data` and
    `view_dataproduct` user permissions mirror the active ones (access.permissions)."""

    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="access_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants")
    level = models.CharField(max_length=10, choices=AccessLevel.choices, default=AccessLevel.READ)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when policy approved the request.",
    )
    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=10, choices=GrantEnd.choices, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "user"], condition=Q(revoked_at__isnull=True), name="one_live_grant"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(end_reason=""), name="ended_grant_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "product"], name="grant_user_product"),
            # The expiry sweep reads the next due rows from here.
            models.Index(
                fields=["expires_at"], condition=Q(revoked_at__isnull=True), name="grant_live_expiry"
            ),
        ]

    def __str__(self):
        return f"grant #{self.pk}: {self.user.username} reads {self.product}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def snapshot(self) -> dict:
        return {
            "level": self.level,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "end_reason": self.end_reason,
        }
