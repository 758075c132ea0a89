from django.contrib import admin

from .models import AuditEvent, DataProductGroupObjectPermission, DataProductUserObjectPermission


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
