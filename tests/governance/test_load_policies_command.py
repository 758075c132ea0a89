"""manage.py load_policies FILE."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from governance.models import PolicySet

from .builders import POLICY_FILE

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("load_policies", *args, stdout=out)
    return out.getvalue()


def test_load_policies_loads_the_file_and_says_what_it_loaded():
    output = run(str(POLICY_FILE))
    assert "loaded policy set v1 (9 policies: 3 global, 2 domain, 3 automated, 1 observability)" in output
    assert "domain        sales/domain_policies" in output
    assert "automated     breaking_changes" in output
    assert PolicySet.objects.get().version == 1


def test_load_policies_twice_reports_unchanged():
    run(str(POLICY_FILE))
    assert "unchanged, policy set v1 already has this text" in run(str(POLICY_FILE))
    assert PolicySet.objects.count() == 1


def test_load_policies_records_the_user(django_user_model):
    lead = django_user_model.objects.create_user("lead")
    run(str(POLICY_FILE), "--user", "lead")
    assert PolicySet.objects.get().loaded_by == lead


def test_load_policies_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="no user 'ghost'"):
        run(str(POLICY_FILE), "--user", "ghost")
    assert not PolicySet.objects.exists()


def test_load_policies_bad_file_is_an_error_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "governance:\n  domain_policies:\n    sales:\n      data_quality:\n        - freshness: soon\n"
    )
    with pytest.raises(CommandError) as info:
        run(str(bad))
    assert str(info.value).startswith(f"{bad}:5:")
    assert not PolicySet.objects.exists()


def test_load_policies_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "nope.yaml"))
