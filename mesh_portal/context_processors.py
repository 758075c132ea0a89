from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def _nav_items(request) -> list[dict]:
    """The main navigation. Computed only when a template renders it; two queries at most
    (team membership, the inbox count)."""
    user = request.user
    if not user.is_authenticated:
        return []
    from catalog.models import TeamMembership
    from catalog.querysets import user_is_governance_lead

    items = [
        {"url": reverse("search"), "label": "Search", "name": "search"},
        {"url": reverse("domain-list"), "label": "Domains", "name": "domain-list"},
        {"url": reverse("governance:policies"), "label": "Policies", "name": "policies"},
    ]
    if user_is_governance_lead(user):
        items.append({"url": reverse("governance:compliance"), "label": "Compliance", "name": "compliance"})
    if user_is_governance_lead(user) or TeamMembership.objects.filter(user=user).exists():
        items.append({"url": reverse("product-create"), "label": "Publish", "name": "product-create"})
        items.append(
            {"url": reverse("governance:monitoring-alerts"), "label": "Alerts", "name": "monitoring-alerts"}
        )
    from access.selectors import inbox_count

    count = inbox_count(user)
    items.append({"url": reverse("access:inbox"), "label": "Inbox", "name": "inbox", "count": count})
    items.append({"url": reverse("access:requests"), "label": "My access", "name": "requests"})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": "Admin", "name": "admin"})
    current = getattr(request.resolver_match, "url_name", None)
    for item in items:
        item["current"] = item["name"] == current
    return items


def portal(request):
    return {
        "PORTAL_NAME": "Mesh Portal",
        "DEBUG": settings.DEBUG,
        "nav_items": SimpleLazyObject(lambda: _nav_items(request)),
    }
