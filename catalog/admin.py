from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import models
from .people import user_groups_sync


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "bounded_context"]
    search_fields = ["name", "bounded_context"]


class TeamMembershipInline(admin.TabularInline):
    model = models.TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "contact"]
    list_filter = ["domain"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.memberships.values_list("user_id", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.memberships.values_list("user_id", flat=True))
        for user in get_user_model().objects.filter(pk__in=before | after):
            user_groups_sync(user=user)


class ProfileInline(admin.StackedInline):
    model = models.Profile
    can_delete = True
    extra = 0
    max_num = 1


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ProfileInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_groups_sync(user=form.instance)


class SchemaFieldInline(ReadOnlyInline):
    model = models.SchemaField
    fields = ["position", "name", "type", "is_primary_key", "is_pii", "pii_category", "description"]


class QualityCheckInline(ReadOnlyInline):
    model = models.QualityCheck
    fields = ["name", "query", "threshold", "severity"]


class AlertRuleInline(ReadOnlyInline):
    model = models.AlertRule
    fields = ["type", "condition", "severity"]


class AccessRuleInline(ReadOnlyInline):
    model = models.AccessRule
    fields = ["mode", "principal_kind", "principal"]


class InputPortInline(ReadOnlyInline):
    model = models.InputPort
    fields = ["product_ref", "table", "upstream"]


class OutputPortInline(ReadOnlyInline):
    model = models.OutputPort
    fields = ["name", "type", "location"]


@admin.register(models.ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    """Versions change only through publishing (catalog.services); the admin shows them."""

    list_display = ["product", "version", "status", "breaking", "published_at"]
    list_filter = ["status", "breaking", "product__domain"]
    search_fields = ["product__name", "version"]
    readonly_fields = [f.name for f in models.ProductVersion._meta.fields]
    inlines = [
        SchemaFieldInline,
        InputPortInline,
        OutputPortInline,
        QualityCheckInline,
        AlertRuleInline,
        AccessRuleInline,
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.DataProduct)
class DataProductAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "owning_team", "classification", "discovery", "current_version"]
    list_filter = ["domain", "classification", "discovery"]
    search_fields = ["name", "description"]
    readonly_fields = [
        "current_version",
        "classification",
        "discovery",
        "description",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["tags"]


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ["version", "availability", "freshness_max_age_hours", "completeness_min"]


@admin.register(models.SchemaField)
class SchemaFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "version", "is_primary_key", "is_pii"]
    search_fields = ["name"]
    list_filter = ["is_pii", "is_primary_key"]


admin.site.register(models.QualityCheck, list_display=["name", "version", "threshold", "severity"])
admin.site.register(models.AlertRule, list_display=["type", "condition", "severity", "version"])
admin.site.register(models.AccessRule, list_display=["mode", "principal_kind", "principal", "version"])
admin.site.register(models.OutputPort, list_display=["name", "type", "location", "version"])
admin.site.register(models.InputPort, list_display=["product_ref", "table", "version"])
admin.site.register(models.Metric, list_display=["name", "builtin", "version"])
admin.site.register(models.TeamMembership, list_display=["user", "team", "role"])
