"""Loading policy files as versioned policy sets, and reading the active parameters."""

import pytest

from access.models import AuditEvent
from governance.models import Policy, PolicySet
from governance.policies import PolicyFileError, PolicyParams
from governance.selectors import active_policy_params
from governance.services import policy_set_load

from .builders import POLICY_FILE

SEED_TEXT = POLICY_FILE.read_text()
FINANCE_ONLY = """
governance:
  domain_policies:
    finance:
      access_control:
        - default_access: restricted
"""

pytestmark = pytest.mark.django_db


def test_loading_the_seed_file_stores_version_1_with_a_row_per_policy(django_user_model):
    lead = django_user_model.objects.create_user("lead")

    policy_set = policy_set_load(text=SEED_TEXT, filename="governance_policy.yaml", loaded_by=lead)

    assert (policy_set.version, policy_set.source_text, policy_set.loaded_by) == (1, SEED_TEXT, lead)
    rows = {(p.kind, p.domain, p.name): p for p in policy_set.policies.all()}
    assert len(rows) == 9
    sales = rows[("domain", "sales", "domain_policies")]
    assert sales.parameters["data_quality"]["freshness"] == {"op": "<=", "value": 24, "unit": "hours"}
    assert sales.parameters["pii_fields"] == ["customer_email", "customer_phone"]
    classification = rows[("global", "", "data_classification")]
    assert classification.mandatory and classification.text.startswith("All data products")
    assert rows[("automated", "", "schema_validation")].enforcement == "pre-publish"


def test_loading_is_audited():
    policy_set = policy_set_load(text=SEED_TEXT, filename="governance_policy.yaml")
    event = AuditEvent.objects.get(action="policy_set.load")
    assert event.object_id == str(policy_set.pk)
    assert event.actor_name == "system"
    assert event.details == {"filename": "governance_policy.yaml", "policies": 9}


def test_loading_identical_text_again_makes_no_new_version():
    first = policy_set_load(text=SEED_TEXT, filename="a.yaml")
    again = policy_set_load(text=SEED_TEXT, filename="b.yaml")
    assert again == first
    assert PolicySet.objects.count() == 1 and Policy.objects.count() == 9
    assert AuditEvent.objects.filter(action="policy_set.load").count() == 1


def test_loading_changed_text_makes_the_next_version():
    policy_set_load(text=SEED_TEXT, filename="a.yaml")
    second = policy_set_load(text=FINANCE_ONLY, filename="b.yaml")
    assert second.version == 2
    assert list(second.policies.values_list("kind", "domain")) == [("domain", "finance")]


def test_going_back_to_earlier_text_is_a_new_version_too():
    policy_set_load(text=SEED_TEXT, filename="a.yaml")
    policy_set_load(text=FINANCE_ONLY, filename="b.yaml")
    assert policy_set_load(text=SEED_TEXT, filename="a.yaml").version == 3


def test_a_bad_file_raises_and_writes_nothing():
    with pytest.raises(PolicyFileError) as info:
        policy_set_load(text="governance:\n  domain_policies: [1]\n", filename="bad.yaml")
    assert str(info.value).startswith("bad.yaml:2:")
    assert PolicySet.objects.count() == 0 and Policy.objects.count() == 0


def test_active_policy_params_without_a_policy_set_are_empty(django_assert_num_queries):
    with django_assert_num_queries(1):
        params = active_policy_params()
    assert params == PolicyParams.empty()


def test_active_policy_params_come_from_the_newest_set_in_two_queries(django_assert_num_queries):
    policy_set_load(text=SEED_TEXT, filename="a.yaml")
    policy_set_load(text=FINANCE_ONLY, filename="b.yaml")

    with django_assert_num_queries(2):
        params = active_policy_params()

    assert params.version == 2
    assert params.domain("finance").default_access == "restricted"
    assert params.domain("sales").data_quality == {}
    assert params.observability is None


def test_active_policy_params_of_the_seed_file_match_the_parsed_file():
    from governance.policies import parse_policy_file

    policy_set_load(text=SEED_TEXT, filename="a.yaml")
    assert active_policy_params() == parse_policy_file(SEED_TEXT, "a.yaml").params(version=1)
