"""factory_boy factories and a contract builder for tests."""

import copy

import factory
import yaml
from django.contrib.auth import get_user_model

from catalog import models
from catalog.people import profile_set, team_member_add

BASE_CONTRACT = {
    "name": "orders",
    "version": "1.0.0",
    "domain": "sales",
    "owner": {"team": "sales-analytics", "contact": "sales@example.com"},
    "description": "Orders placed in the web shop.",
    "classification": "internal",
    "retention_days": 1095,
    "tags": ["orders"],
    "schema": {
        "type": "parquet",
        "location": "s3://data-products/sales/orders/",
        "fields": [
            {
                "name": "order_id",
                "type": "string",
                "description": "Unique order identifier",
                "is_primary_key": True,
                "constraints": ["unique", "not_null"],
            },
            {
                "name": "total_amount",
                "type": "decimal(12,2)",
                "description": "Order total",
                "constraints": [{"min": 0}],
            },
        ],
    },
    "access": {"discovery": "public", "read": [{"role": "analyst"}], "write": [{"domain": "sales"}]},
    "sla": {
        "availability": "99.9%",
        "freshness": {"max_age_hours": 24, "update_schedule": "0 2 * * *"},
        "completeness": {"min_threshold": "99.5%"},
        "quality_checks": [
            {
                "name": "no_negative_amounts",
                "query": "SELECT COUNT(*) FROM orders WHERE total_amount < 0",
                "threshold": 0,
            }
        ],
    },
    "observability": {
        "metrics": ["row_count", "null_percentage_by_column", "distinct_count"],
        "alerts": [
            {"type": "freshness", "condition": "age_hours > 26", "severity": "critical"},
            {"type": "volume", "condition": "row_count_change > 50%", "severity": "warning"},
            {"type": "quality", "condition": "quality_check_failed", "severity": "critical"},
            {"type": "schema", "condition": "schema_drift_detected", "severity": "warning"},
        ],
    },
    "changelog": [
        {"version": "1.0.0", "date": "2024-01-15", "changes": ["First version"], "breaking": False}
    ],
}


def contract_doc(**overrides) -> dict:
    """A valid, publishable contract document; overrides replace top-level keys
    (use dotted keys like "schema.location" for nested ones; None deletes)."""
    doc = copy.deepcopy(BASE_CONTRACT)
    for key, value in overrides.items():
        target = doc
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if value is None:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = value
    if "version" in overrides and "changelog" not in overrides:
        doc["changelog"] = [
            {"version": doc["version"], "date": "2024-02-01", "changes": ["Update"], "breaking": False}
        ] + doc["changelog"]
    return doc


def contract_text(**overrides) -> str:
    return yaml.safe_dump(contract_doc(**overrides), sort_keys=False)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pw")
        if create:
            self.save(update_fields=["password"])


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Domain
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"domain{n}")
    bounded_context = "A bounded context"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"team{n}")
    domain = factory.SubFactory(DomainFactory)


def make_user(
    username: str,
    *,
    role: str = "",
    home_domain: str | None = None,
    team: str | None = None,
    governance: bool = False,
):
    """A user with a profile (role, home domain), optionally a member of `team` (created in its domain)."""
    user = UserFactory(username=username)
    home = DomainFactory(name=home_domain) if home_domain else None
    if role or home or governance:
        profile_set(user=user, consumer_role=role, home_domain=home, is_governance_lead=governance)
    if team:
        team_obj = models.Team.objects.filter(name=team).first() or TeamFactory(
            name=team, domain=home or DomainFactory(name="sales")
        )
        team_member_add(team=team_obj, user=user, role=models.TeamRole.PRODUCT_OWNER)
    return user


def publish(text: str | None = None, *, user=None, **overrides):
    """Submit a contract through the real service; returns the outcome."""
    from catalog.services import contract_version_submit

    return contract_version_submit(text=text if text is not None else contract_text(**overrides), user=user)


def publish_ok(**overrides):
    """Publish a contract without SQL checks (which would need data) and insist that it published."""
    outcome = publish(**{"sla.quality_checks": [], **overrides})
    assert outcome.published, (outcome.problems, outcome.violations)
    return outcome
