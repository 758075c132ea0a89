"""The Policies page, and governance leads editing structured parameters as a new version."""

from pathlib import Path

import pytest
from django.urls import reverse

from access.models import AuditEvent
from governance.models import Policy, PolicySet
from governance.selectors import active_policy_params
from governance.services import policy_set_load
from tests.factories import make_user

pytestmark = pytest.mark.django_db
POLICY_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "governance_policy.yaml"


@pytest.fixture
def policies():
    return policy_set_load(text=POLICY_FILE.read_text(), filename=str(POLICY_FILE))


def sales_policy(policy_set):
    return Policy.objects.get(policy_set=policy_set, kind="domain", domain="sales")


def test_any_signed_in_user_reads_the_policies(client, policies):
    client.force_login(make_user("ana", role="analyst"))
    response = client.get(reverse("governance:policies"))
    assert response.status_code == 200
    assert b"data_classification" in response.content and b"Edit parameters" not in response.content


def test_anonymous_users_are_sent_to_log_in(client, policies):
    response = client.get(reverse("governance:policies"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_governance_leads_may_edit(client, policies):
    client.force_login(make_user("ana", role="analyst"))
    url = reverse("governance:policy-edit", args=[sales_policy(policies).pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"completeness": ">= 50%"}).status_code == 403
    assert PolicySet.objects.count() == 1


def test_a_governance_lead_edits_a_domain_threshold_as_a_new_version(client, policies):
    lead = make_user("lead", governance=True)
    client.force_login(lead)
    policy = sales_policy(policies)
    url = reverse("governance:policy-edit", args=[policy.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "completeness": ">= 99.5%",
            "accuracy": ">= 99.5%",
            "freshness": "<= 12 hours",
            "default_access": "internal",
            "pii_fields": "customer_email, customer_phone",
            "approval_required": "customer_ssn",
        },
    )
    assert response.status_code == 302
    assert PolicySet.objects.count() == 2
    params = active_policy_params()
    assert params.version == 2
    assert params.domain("sales").data_quality["freshness"].value == 12
    assert params.domain("sales").data_quality["completeness"].value == 99.5
    assert params.domain("finance").sox_compliance  # the other policies are carried over
    event = AuditEvent.objects.get(action="policy.edit")
    assert event.actor == lead and event.after["version"] == 2


def test_an_unreadable_threshold_is_an_error_on_the_form(client, policies):
    client.force_login(make_user("lead", governance=True))
    url = reverse("governance:policy-edit", args=[sales_policy(policies).pk])
    response = client.post(url, {"completeness": "most of it"})
    assert response.status_code == 200
    assert b"expected a threshold" in response.content
    assert PolicySet.objects.count() == 1


def test_a_stale_form_is_refused(client, policies):
    client.force_login(make_user("lead", governance=True))
    old = sales_policy(policies)
    client.post(reverse("governance:policy-edit", args=[old.pk]), {"completeness": ">= 99%"})
    response = client.post(reverse("governance:policy-edit", args=[old.pk]), {"completeness": ">= 98%"})
    assert response.status_code == 302
    assert PolicySet.objects.count() == 2
