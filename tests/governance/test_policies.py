"""Reading policy files: the seed format into structured parameters, clear errors otherwise."""

import textwrap

import pytest

from governance.policies import (
    EMPTY_DOMAIN,
    BreakingChangeParams,
    PolicyFileError,
    PolicyParams,
    Threshold,
    parse_policy_file,
    parse_threshold,
)

from .builders import POLICY_FILE


def parse(text: str, filename: str = "policies.yaml"):
    return parse_policy_file(textwrap.dedent(text), filename)


def error_of(text: str) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as info:
        parse(text)
    return info.value


@pytest.fixture(scope="module")
def seed():
    return parse_policy_file(POLICY_FILE.read_text(), "governance_policy.yaml")


def by_key(document):
    return {(p.kind, p.domain, p.name): p for p in document.policies}


# --- The seed file ---------------------------------------------------------------------------


def test_seed_file_yields_one_policy_per_row_to_store(seed):
    assert sorted(by_key(seed)) == [
        ("automated", "", "breaking_changes"),
        ("automated", "", "quality_gates"),
        ("automated", "", "schema_validation"),
        ("domain", "finance", "domain_policies"),
        ("domain", "sales", "domain_policies"),
        ("global", "", "data_classification"),
        ("global", "", "data_retention"),
        ("global", "", "pii_handling"),
        ("observability", "", "observability_requirements"),
    ]


def test_seed_sales_domain_parameters_are_structured(seed):
    sales = by_key(seed)[("domain", "sales", "domain_policies")]
    assert sales.parameters == {
        "data_quality": {
            "completeness": {"op": ">=", "value": 99.0, "unit": "%"},
            "accuracy": {"op": ">=", "value": 99.5, "unit": "%"},
            "freshness": {"op": "<=", "value": 24, "unit": "hours"},
        },
        "default_access": "internal",
        "pii_fields": ["customer_email", "customer_phone"],
        "approval_required": ["customer_ssn"],
        "sox_compliance": False,
        "audit_all_access": False,
    }
    assert "completeness" in sales.text and sales.line == 30


def test_seed_finance_domain_parameters_are_structured(seed):
    finance = by_key(seed)[("domain", "finance", "domain_policies")]
    assert finance.parameters == {
        "data_quality": {
            "completeness": {"op": ">=", "value": 99.9, "unit": "%"},
            "accuracy": {"op": ">=", "value": 99.99, "unit": "%"},
            "freshness": {"op": "<=", "value": 1, "unit": "hours"},
        },
        "default_access": "confidential",
        "pii_fields": [],
        "approval_required": [],
        "sox_compliance": True,
        "audit_all_access": True,
    }


def test_seed_global_policies_keep_prose_and_mandatory_flag(seed):
    policies = by_key(seed)
    classification = policies[("global", "", "data_classification")]
    assert classification.mandatory is True
    assert classification.text.startswith("All data products must be classified as:")
    assert classification.parameters == {"levels": ["public", "internal", "confidential", "restricted"]}
    assert policies[("global", "", "data_retention")].parameters["periods"] == {
        "operational_data": {"value": 7, "unit": "years"},
        "analytical_data": {"value": 3, "unit": "years"},
        "logs": {"value": 1, "unit": "years"},
        "deleted_data": {"value": 30, "unit": "days"},
    }


def test_seed_automated_policies_parse_their_checks(seed):
    policies = by_key(seed)
    schema = policies[("automated", "", "schema_validation")]
    assert schema.enforcement == "pre-publish"
    assert schema.parameters == {"require": ["primary_key", "descriptions", "types", "constraints"]}
    assert policies[("automated", "", "quality_gates")].parameters == {
        "max_critical_failures": 0,
        "warning_threshold": {"op": "<=", "value": 5.0, "unit": "%"},
    }
    assert policies[("automated", "", "breaking_changes")].parameters == {
        "require_major_increment": True,
        "require_deprecation": True,
        "deprecation_notice_days": 30,
        "require_migration_guide": True,
    }


def test_seed_observability_requirements(seed):
    observability = by_key(seed)[("observability", "", "observability_requirements")]
    assert observability.parameters == {
        "metrics": ["row_count", "null_rate", "distinct_count", "value_distribution"],
        "alerts": ["freshness_violation", "quality_check_failure", "schema_drift", "volume_anomaly"],
    }


def test_seed_file_as_engine_params(seed):
    params = seed.params(version=7)
    assert params.version == 7
    assert params.domain("sales").pii_fields == {"customer_email", "customer_phone"}
    assert params.domain("sales").data_quality["freshness"] == Threshold("<=", 24, "hours")
    assert params.domain("finance").sox_compliance is True
    assert params.domain("marketing") is EMPTY_DOMAIN
    assert params.schema_requirements == {"primary_key", "descriptions", "types", "constraints"}
    assert params.breaking_changes == BreakingChangeParams()
    assert params.observability.alerts[0] == "freshness_violation"


def test_empty_params_have_no_policies():
    params = PolicyParams.empty()
    assert params.version is None
    assert params.domain("sales") is EMPTY_DOMAIN
    assert params.observability is None
    assert params.schema_requirements == frozenset()
    assert params.breaking_changes == BreakingChangeParams()


# --- Other accepted forms ----------------------------------------------------------------------


def test_domain_settings_may_be_plain_mappings():
    document = parse(
        """
        governance:
          domain_policies:
            marketing:
              data_quality:
                completeness: ">= 98%"
                freshness: "<= 90 minutes"
              access_control:
                default_access: public
                pii_fields: [email]
        """
    )
    params = document.policies[0].parameters
    assert params["data_quality"] == {
        "completeness": {"op": ">=", "value": 98.0, "unit": "%"},
        "freshness": {"op": "<=", "value": 90, "unit": "minutes"},
    }
    assert params["default_access"] == "public" and params["pii_fields"] == ["email"]
    assert document.params().domain("marketing").data_quality["freshness"].hours == 1.5


def test_a_domain_with_no_settings_gets_defaults():
    document = parse(
        """
        governance:
          domain_policies:
            marketing:
        """
    )
    assert document.policies[0].parameters == {
        "data_quality": {},
        "default_access": None,
        "pii_fields": [],
        "approval_required": [],
        "sox_compliance": False,
        "audit_all_access": False,
    }


def test_explicit_parameters_override_what_the_prose_says():
    document = parse(
        """
        governance:
          automated_policies:
            - name: breaking_changes
              enforcement: pre-publish
              check: |
                Breaking changes require:
                - Major version increment
                - 30-day deprecation notice
              parameters:
                deprecation_notice_days: 60
        """
    )
    assert document.policies[0].parameters == {
        "require_major_increment": True,
        "require_deprecation": True,
        "deprecation_notice_days": 60,
        "require_migration_guide": False,
    }
    assert document.params().breaking_changes.deprecation_notice_days == 60


def test_a_file_with_only_some_sections_is_fine():
    document = parse(
        """
        governance:
          global_policies:
            - name: data_classification
              policy: Classify everything.
        """
    )
    assert [(p.kind, p.name, p.mandatory, p.parameters) for p in document.policies] == [
        ("global", "data_classification", False, {})
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (">= 99%", {"op": ">=", "value": 99.0, "unit": "%"}),
        (">=99.5%", {"op": ">=", "value": 99.5, "unit": "%"}),
        ("<= 24 hours", {"op": "<=", "value": 24, "unit": "hours"}),
        ("<= 1 hour", {"op": "<=", "value": 1, "unit": "hours"}),
        ("< 30 min", {"op": "<", "value": 30, "unit": "minutes"}),
        ("<= 2 days", {"op": "<=", "value": 2, "unit": "days"}),
        ("= 100%", {"op": "==", "value": 100.0, "unit": "%"}),
        ("> 0.5", {"op": ">", "value": 0.5, "unit": None}),
    ],
)
def test_parse_threshold(text, expected):
    assert parse_threshold(text) == expected


@pytest.mark.parametrize("text", ["99%", "about 99%", ">= 99 parsecs", ">= -1%", "", None, 99])
def test_parse_threshold_rejects(text):
    with pytest.raises(ValueError):
        parse_threshold(text)


def test_threshold_reads_as_written():
    assert str(Threshold(">=", 99.5, "%")) == ">= 99.5%"
    assert str(Threshold("<=", 1, "hours")) == "<= 1 hour"
    assert str(Threshold("<=", 24, "hours")) == "<= 24 hours"


# --- Errors say where --------------------------------------------------------------------------


def test_policy_file_error_is_a_value_error_with_file_line_column_and_path():
    error = error_of(
        """
        governance:
          domain_policies:
            sales:
              data_quality:
                - completeness: "about 99"
        """
    )
    assert isinstance(error, ValueError)
    assert (error.line, error.column) == (6, 25)
    assert error.path == "domain_policies.sales.data_quality.completeness"
    assert str(error).startswith(
        "policies.yaml:6:25: domain_policies.sales.data_quality.completeness: expected"
    )


def test_invalid_yaml_reports_its_line():
    error = error_of(
        """
        governance:
          global_policies:
            - name: x
             policy: [unclosed
        """
    )
    assert error.line is not None and error.line >= 4
    assert "invalid YAML" in error.message


def test_unsafe_yaml_tags_are_refused():
    error = error_of(
        """
        governance:
          global_policies:
            - name: a
              parameters:
                run: !!python/object/apply:os.system ["echo hi"]
        """
    )
    assert error.line == 6
    assert "invalid YAML" in error.message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "the file is empty"),
        ("policies: []\n", 1, "single top-level `governance:`"),
        ("governance:\n  local_policies: []\n", 2, "unknown section 'local_policies'"),
        ("governance:\n  global_policies:\n    - mandatory: true\n", 3, "needs a `name`"),
        ("governance:\n  global_policies:\n    - name: a\n    - name: a\n", 4, "duplicate policy 'a'"),
        ("governance:\n  global_policies:\n    - name: a\n      mandatory: yes please\n", 4, "true or false"),
        ("governance:\n  global_policies:\n    - name: a\n      polcy: typo\n", 4, "unknown key 'polcy'"),
        ("governance:\n  global_policies:\n    name: a\n", 3, "expected a list"),
        (
            "governance:\n  domain_policies:\n    sales:\n      access_control:\n        - default_access: secret\n",
            5,
            "expected one of public, internal, confidential, restricted",
        ),
        (
            "governance:\n  domain_policies:\n    sales:\n      access_control:\n        - sox: true\n",
            5,
            "unknown setting 'sox'",
        ),
        (
            "governance:\n  domain_policies:\n    sales:\n      access_control:\n        - sox_compliance: 1\n",
            5,
            "true or false",
        ),
        (
            "governance:\n  domain_policies:\n    sales:\n      data_quality:\n        - freshness: '>= 99%'\n",
            5,
            "freshness is measured in",
        ),
        (
            "governance:\n  domain_policies:\n    sales:\n      data_quality:\n        - completeness: '>= 1 hour'\n",
            5,
            "completeness is measured in %",
        ),
        (
            "governance:\n  domain_policies:\n    sales:\n      data_quality:\n"
            "        - completeness: '>= 99%'\n          accuracy: '>= 99%'\n",
            5,
            "one `name: value` per list item",
        ),
        (
            "governance:\n  domain_policies:\n    sales:\n      data_quality:\n"
            "        - completeness: '>= 99%'\n        - completeness: '>= 98%'\n",
            6,
            "duplicate key 'completeness'",
        ),
        ("governance:\n  domain_policies:\n    sales:\n      quality: {}\n", 4, "unknown key 'quality'"),
        ("governance:\n  observability_requirements:\n    - logs: [x]\n", 3, "unknown key 'logs'"),
        (
            "governance:\n  observability_requirements:\n    - metrics: [row_count, 3]\n",
            3,
            "non-empty string",
        ),
        ("governance:\n  global_policies: []\n  global_policies: []\n", 3, "duplicate key 'global_policies'"),
    ],
)
def test_malformed_policy_files_raise_with_line_numbers(text, line, message):
    with pytest.raises(PolicyFileError) as info:
        parse_policy_file(text, "p.yaml")
    assert info.value.line == line
    assert message in info.value.message
