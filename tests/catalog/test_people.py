"""Profiles, teams and the groups kept in step with them; visibility through for_user()."""

import pytest
from django.contrib.auth.models import Group

from catalog.models import DataProduct
from catalog.people import profile_set, team_member_add, team_member_remove
from tests.factories import DomainFactory, TeamFactory, UserFactory, make_user, publish

pytestmark = pytest.mark.django_db


def group_names(user):
    return set(user.groups.values_list("name", flat=True))


def test_profile_groups_follow_role_home_domain_and_governance():
    user = UserFactory(username="ana")
    sales = DomainFactory(name="sales")
    profile_set(user=user, consumer_role="analyst", home_domain=sales)
    assert group_names(user) == {"role:analyst", "domain:sales"}
    profile_set(user=user, consumer_role="data_scientist", home_domain=None, is_governance_lead=True)
    assert group_names(user) == {"role:data_scientist", "governance"}


def test_team_membership_adds_team_and_domain_groups_and_keeps_unmanaged_groups():
    user = UserFactory(username="bob")
    custom = Group.objects.create(name="finance-auditors")
    user.groups.add(custom)
    team = TeamFactory(name="sales-analytics", domain=DomainFactory(name="sales"))
    team_member_add(team=team, user=user, role="data_engineer")
    assert group_names(user) == {"finance-auditors", "team:sales-analytics", "domain:sales"}
    team_member_remove(team=team, user=user)
    assert group_names(user) == {"finance-auditors"}


def test_a_user_without_a_profile_sees_public_products_and_the_home_page(client):
    publish()
    user = UserFactory(username="sso-user")
    assert list(DataProduct.objects.for_user(user).values_list("name", flat=True)) == ["orders"]
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert b"orders" in response.content


def test_restricted_products_are_seen_by_the_read_groups_owners_and_governance_only():
    owner = make_user("owner", team="sales-analytics", home_domain="sales")
    publish(
        **{
            "access.discovery": "restricted",
            "access.read": [{"role": "data_scientist"}, {"domain": "finance"}],
        }
    )
    scientist = make_user("sci", role="data_scientist")
    financier = make_user("fin", role="analyst", home_domain="finance")
    analyst = make_user("ana", role="analyst", home_domain="marketing")
    lead = make_user("lead", governance=True)
    anonymous_like = UserFactory(username="nobody")
    visible = {
        u.username
        for u in (owner, scientist, financier, analyst, lead, anonymous_like)
        if DataProduct.objects.for_user(u).exists()
    }
    assert visible == {"owner", "sci", "fin", "lead"}


def test_a_product_without_a_published_version_is_seen_by_owners_and_governance_only():
    owner = make_user("owner", team="sales-analytics", home_domain="sales")
    publish(classification="top-secret")  # kept as a draft by the gate
    analyst = make_user("ana", role="analyst")
    lead = make_user("lead", governance=True)
    assert DataProduct.objects.for_user(owner).count() == 1
    assert DataProduct.objects.for_user(lead).count() == 1
    assert DataProduct.objects.for_user(analyst).count() == 0


def test_inactive_users_see_nothing():
    publish()
    user = UserFactory(username="gone", is_active=False)
    assert not DataProduct.objects.for_user(user).exists()
