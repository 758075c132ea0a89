from django.contrib import admin

from .models import CheckResult, MetricValue, Policy, PolicySet, QualityRun


class PolicyInline(admin.TabularInline):
    model = Policy
    extra = 0
    fields = ["kind", "domain", "name", "mandatory", "enforcement", "parameters"]


@admin.register(PolicySet)
class PolicySetAdmin(admin.ModelAdmin):
    list_display = ["version", "loaded_at", "loaded_by"]
    inlines = [PolicyInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "domain", "policy_set"]
    list_filter = ["kind", "domain"]


class CheckResultInline(admin.TabularInline):
    model = CheckResult
    extra = 0
    can_delete = False
    fields = ["name", "kind", "passed", "count", "threshold", "severity", "message"]
    readonly_fields = fields


@admin.register(QualityRun)
class QualityRunAdmin(admin.ModelAdmin):
    """Runs are written by the engine; the admin shows them."""

    list_display = ["product", "version", "status", "trigger", "started_at", "finished_at"]
    list_filter = ["status", "trigger"]
    inlines = [CheckResultInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MetricValue)
class MetricValueAdmin(admin.ModelAdmin):
    list_display = ["run", "name", "column", "value"]
    search_fields = ["name", "column"]
