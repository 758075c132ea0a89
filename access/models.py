"""Object permissions for data products and the append-only audit log.

`access/` is the only code that assigns or removes permissions (access.permissions).
"""

from django.conf import settings
from django.db import models
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
