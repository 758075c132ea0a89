"""DataHub's loop for every permissioned access action: deny -> grant -> allow -> revoke -> deny.

Each loop asserts at least two denials, so a negative check cannot silently stop running.
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from access import services
from access.models import AccessGrant
from catalog.models import DataProduct, Team
from catalog.people import profile_set, team_member_add, team_member_remove
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def api(client, user):
    client.logout()
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def secret():
    return DataProduct.objects.select_related("domain").get(name="secret")


def preview_statuses(client, user) -> tuple[int, int]:
    web_client = client
    web_client.force_login(user)
    web = web_client.get("/access/products/sales/secret/preview/").status_code
    headers = api(client, user)
    api_response = client.get("/api/v1/products/sales/secret/preview/", **headers)
    if api_response.status_code == 403:
        assert "request access" in api_response.json()["error"]["message"]
        assert api_response.json()["error"]["code"] == "request_access"
    return web, api_response.status_code


def test_preview_deny_grant_allow_revoke_deny(client, world):
    analyst, owner, lead = world["analyst"], world["owner"], world["lead"]
    assert preview_statuses(client, analyst) == (403, 403)

    req = services.access_request_create(product=secret(), requester=analyst, purpose="Report")
    assert preview_statuses(client, analyst) == (403, 403)  # an open request is not access
    services.access_request_approve(request_id=req.pk, decided_by=owner)
    assert preview_statuses(client, analyst) == (403, 403)  # the owner alone is not enough here
    services.access_request_approve(request_id=req.pk, decided_by=lead)
    assert preview_statuses(client, analyst) == (200, 200)

    response = client.delete(f"/api/v1/grants/{req.grant.pk}/", **api(client, owner))
    assert response.status_code == 204
    assert preview_statuses(client, analyst) == (403, 403)


def test_preview_deny_after_expiry_without_the_sweep(client, world):
    holder = world["holder"]
    assert preview_statuses(client, holder) == (200, 200)

    AccessGrant.objects.filter(pk=world["holder_grant"].pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert preview_statuses(client, holder) == (403, 403)
    services.access_grants_expire()
    assert preview_statuses(client, holder) == (403, 403)


def test_preview_shows_rows_escaped(client, world):
    client.force_login(world["holder"])
    body = client.get("/access/products/sales/secret/preview/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    data = client.get("/api/v1/products/sales/secret/preview/", **api(client, world["holder"])).json()
    assert data["columns"] == ["order_id", "total_amount"] and len(data["rows"]) == 3
    assert data["consumption"][0]["location"] == "s3://data-products/sales/secret/"


def test_owner_stage_approval_deny_grant_allow_revoke_deny(client, world):
    """The right to decide comes from membership of the owning team, re-checked at decision time."""
    team = Team.objects.get(name="sales-analytics")
    decider = make_user("newcomer", role="analyst")

    def attempt():
        req = services.access_request_create(
            product=secret(), requester=make_user(f"r{attempt.n}", role="analyst"), purpose="x"
        )
        attempt.n += 1
        client.force_login(decider)
        return client.post(f"/api/v1/access-requests/{req.pk}/approve/", **api(client, decider)).status_code

    attempt.n = 0
    assert attempt() == 404  # the request of another on a product one does not own: not visible
    team_member_add(team=team, user=decider, role="data_engineer")
    assert attempt() == 200
    team_member_remove(team=team, user=decider)
    assert attempt() == 404


def test_governance_approval_deny_grant_allow_revoke_deny(client, world):
    decider = make_user("lead2")

    def attempt():
        req = services.access_request_create(
            product=secret(), requester=make_user(f"g{attempt.n}", role="analyst"), purpose="x"
        )
        attempt.n += 1
        services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
        return client.post(f"/api/v1/access-requests/{req.pk}/approve/", **api(client, decider)).status_code

    attempt.n = 0
    assert attempt() == 404
    profile_set(user=decider, is_governance_lead=True)
    assert attempt() == 200
    profile_set(user=decider, is_governance_lead=False)
    assert attempt() == 404


def test_revoke_deny_grant_allow_revoke_deny(client, world):
    team = Team.objects.get(name="sales-analytics")
    revoker = make_user("revoker")
    from tests.access.conftest import grant_via_workflow

    def attempt():
        grant = grant_via_workflow(
            product=secret(),
            user=make_user(f"h{attempt.n}", role="analyst"),
            owner=world["owner"],
            lead=world["lead"],
        )
        attempt.n += 1
        return client.delete(f"/api/v1/grants/{grant.pk}/", **api(client, revoker)).status_code

    attempt.n = 0
    assert attempt() == 404
    team_member_add(team=team, user=revoker, role="data_engineer")
    assert attempt() == 204
    team_member_remove(team=team, user=revoker)
    assert attempt() == 404


def test_audit_log_deny_grant_allow_revoke_deny(client, world):
    team = Team.objects.get(name="sales-analytics")
    user = world["analyst"]
    client.force_login(user)

    assert client.get("/access/audit/").status_code == 403
    team_member_add(team=team, user=user, role="data_engineer")
    response = client.get("/access/audit/")
    assert response.status_code == 200 and b"access_grant.create" in response.content
    team_member_remove(team=team, user=user)
    assert client.get("/access/audit/export/").status_code == 403


def test_audit_log_of_an_owner_shows_only_their_products(client, world):
    client.force_login(world["other_owner"])
    body = client.get("/access/audit/").content
    export = b"".join(client.get("/access/audit/export/").streaming_content)
    assert b"secret" not in body and b"vault_ledger" not in body
    assert b"secret" not in export and export.startswith(b"at,actor,action")


def test_audit_log_filters_and_csv_export(client, world):
    client.force_login(world["lead"])
    body = client.get("/access/audit/?action=access_grant&actor=lead").content.decode()
    assert "access_grant.create" in body and "access_request.create" not in body
    export = b"".join(client.get("/access/audit/export/?product=sales/secret").streaming_content).decode()
    lines = export.strip().splitlines()
    assert lines[0].startswith("at,actor,action") and len(lines) > 3
    assert all(",sales," in line for line in lines[1:])
