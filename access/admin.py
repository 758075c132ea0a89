from django.contrib import admin

from .models import (
    AccessGrant,
    AccessRequest,
    AuditEvent,
    DataProductGroupObjectPermission,
    DataProductUserObjectPermission,
)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor_name", "action", "object_repr", "domain_name"]
    list_filter = ["action", "domain_name"]
    search_fields = ["object_repr", "actor_name"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DataProductUserObjectPermission)
class UserPermAdmin(admin.ModelAdmin):
    list_display = ["user", "permission", "content_object"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DataProductGroupObjectPermission)
class GroupPermAdmin(admin.ModelAdmin):
    list_display = ["group", "permission", "content_object"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    """Requests and grants change only through access.services (locked, audited)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(_ReadOnly):
    list_display = ["id", "product", "requester", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["product__domain", "requester"]


@admin.register(AccessGrant)
class AccessGrantAdmin(_ReadOnly):
    list_display = ["id", "product", "user", "expires_at", "revoked_at", "end_reason"]
    list_filter = ["end_reason"]
    list_select_related = ["product__domain", "user"]
