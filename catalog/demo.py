"""The demo organization's people. Demo only: refuses to run with DEBUG off."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from .models import Domain, Team, TeamRole
from .people import profile_set, team_member_add

DEMO_PASSWORD = "mesh-demo"  # noqa: S105 - printed by `make demo`; refused when DEBUG is off


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    home_domain: str | None = None
    team: str | None = None
    governance: bool = False


DEMO_USERS = [
    DemoUser("analyst", "Ada Analyst", "analyst", "marketing"),
    DemoUser("scientist", "Sam Scientist", "data_scientist", "product"),
    DemoUser("sales_owner", "Sofia Sales", "product_owner", "sales", "sales-analytics"),
    DemoUser("marketing_owner", "Marco Marketing", "product_owner", "marketing", "marketing-analytics"),
    DemoUser("product_owner", "Priya Product", "product_owner", "product", "product-analytics"),
    DemoUser("finance_owner", "Finn Finance", "product_owner", "finance", "finance-analytics"),
    DemoUser("governance", "Grace Governance", "governance_lead", None, None, True),
]


@transaction.atomic
def demo_users_create() -> list[DemoUser]:
    """Create (or refresh) the demo users; teams and domains must exist (import contracts first)."""
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo users are created only with DEBUG on; they have known passwords.")
    User = get_user_model()
    for spec in DEMO_USERS:
        first, _, last = spec.full_name.partition(" ")
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={"first_name": first, "last_name": last, "email": f"{spec.username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        home = Domain.objects.filter(name=spec.home_domain).first() if spec.home_domain else None
        profile_set(user=user, consumer_role=spec.role, home_domain=home, is_governance_lead=spec.governance)
        if spec.team:
            team = Team.objects.filter(name=spec.team).first()
            if team is not None:
                team_member_add(team=team, user=user, role=TeamRole.PRODUCT_OWNER)
    return DEMO_USERS
