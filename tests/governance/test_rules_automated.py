"""The policy file's automated schema_validation: data types and constraints."""

from .builders import contract, policy_params, with_field
from .helpers import found

TYPES_ONLY = """
governance:
  automated_policies:
    - name: schema_validation
      enforcement: pre-publish
      check: |
        Schema must include:
        - Primary key
        - Data types
"""


def test_schema_validation_field_without_type_is_an_error_naming_it():
    c = with_field(contract(), "product_count", type=None)
    assert found(c) == [("schema_validation", "error", "product_count")]


def test_schema_validation_blank_type_is_an_error():
    assert found(with_field(contract(), "status", type=" ")) == [("schema_validation", "error", "status")]


def test_schema_validation_typed_fields_pass():
    assert found(contract()) == []


def test_schema_validation_no_constraint_on_any_field_is_a_warning():
    c = contract()
    for f in c["schema"]["fields"]:
        f["constraints"] = []
    assert found(c) == [("schema_validation", "warning", "schema.fields")]


def test_schema_validation_one_constrained_field_is_enough():
    c = contract()
    for f in c["schema"]["fields"][1:]:
        f["constraints"] = []
    assert found(c) == []


def test_schema_validation_checks_only_what_the_policy_requires():
    c = with_field(contract(), "product_count", type=None)
    for f in c["schema"]["fields"]:
        f["constraints"] = []
    assert found(c, params=policy_params(TYPES_ONLY)) == [("schema_validation", "error", "product_count")]


def test_schema_validation_types_are_not_checked_without_a_policy_file():
    assert found(with_field(contract(), "product_count", type=None), params=None) == []
