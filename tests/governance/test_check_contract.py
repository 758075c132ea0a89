"""check_contract: the publish gate for a domain team's CI, writing nothing."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import DataProduct, Domain
from tests.factories import contract_text

pytestmark = pytest.mark.django_db


def check(path, fmt="json"):
    out = StringIO()
    code = 0
    try:
        call_command("check_contract", str(path), format=fmt, stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_a_publishable_contract_exits_0_with_the_json_shape(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(contract_text())
    code, out = check(path)
    body = json.loads(out)
    assert code == 0
    assert body["publishable"] is True
    assert set(body) == {"publishable", "violations"}
    assert all(set(v) == {"policy", "severity", "message", "field"} for v in body["violations"])
    assert not DataProduct.objects.exists() and not Domain.objects.exists()


def test_a_blocked_contract_exits_1_and_names_the_policy(tmp_path):
    path = tmp_path / "blocked.yaml"
    path.write_text(contract_text(classification="top-secret"))
    code, out = check(path)
    body = json.loads(out)
    assert code == 1 and body["publishable"] is False
    assert {"policy": "data_classification", "severity": "error"}.items() <= body["violations"][0].items()


def test_a_malformed_contract_gives_contract_format_violations_with_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    text = contract_text().replace("retention_days: 1095", "retention_days: soon")
    path.write_text(text)
    line = text.splitlines().index("retention_days: soon") + 1
    code, out = check(path)
    body = json.loads(out)
    assert code == 1
    violation = body["violations"][0]
    assert violation["policy"] == "contract_format" and violation["severity"] == "error"
    assert violation["field"] == "retention_days"
    assert f"{path}:{line}:" in violation["message"]


def test_yaml_that_does_not_parse_is_a_contract_format_violation(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    code, out = check(path)
    body = json.loads(out)
    assert code == 1 and body["violations"][0]["policy"] == "contract_format"


def test_a_breaking_change_against_the_published_version_is_reported(tmp_path):
    (tmp_path / "v1.yaml").write_text(contract_text())
    call_command("import_contracts", str(tmp_path / "v1.yaml"), stdout=StringIO())
    fields = [
        {
            "name": "order_id",
            "type": "bigint",
            "description": "Id",
            "is_primary_key": True,
            "constraints": ["unique", "not_null"],
        }
    ]
    path = tmp_path / "v2.yaml"
    path.write_text(contract_text(version="1.1.0", **{"schema.fields": fields}))
    code, out = check(path)
    body = json.loads(out)
    assert code == 1
    assert any(v["policy"] == "breaking_changes" for v in body["violations"])


def test_text_format_says_blocked(tmp_path):
    path = tmp_path / "blocked.yaml"
    path.write_text(contract_text(classification="top-secret"))
    code, out = check(path, fmt="text")
    assert code == 1 and "blocked" in out and "data_classification" in out
