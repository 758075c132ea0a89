from django.contrib import admin

from .models import Policy, PolicySet


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
