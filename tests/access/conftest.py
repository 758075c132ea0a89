"""The access world: six personas and three products in the sales domain.

- sales/secret: classification restricted, discovery restricted, access.read lists role analyst:
  visible to analysts, readable only with a grant (owners, then governance, approve).
- sales/vault_ledger: discovery restricted to data scientists: analysts may not see it at all;
  its name and SENTINEL must never appear in an answer to them.
- sales/orders: internal, discovery public, access.read lists role analyst: policy approves at once.
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings

from access import services
from catalog.models import DataProduct
from tests.factories import make_user, publish

SENTINEL = "HIDDEN-SENTINEL-7f3a"
SECRET_ACCESS = {"discovery": "restricted", "read": [{"role": "analyst"}], "write": [{"domain": "sales"}]}
HIDDEN_ACCESS = {
    "discovery": "restricted",
    "read": [{"role": "data_scientist"}],
    "write": [{"domain": "sales"}],
}


def write_parquet(location_suffix: str, table: pa.Table) -> None:
    root = next(iter(settings.MESH_STORAGE_MAP.values()))
    folder = f"{root}/{location_suffix}"
    import os

    os.makedirs(folder, exist_ok=True)
    pq.write_table(table, f"{folder}/part-0.parquet")


def _checks(table: str) -> dict:
    return {
        "sla.quality_checks": [
            {
                "name": "no_negative_amounts",
                "query": f"SELECT COUNT(*) FROM {table} WHERE total_amount < 0",
                "threshold": 0,
            }
        ]
    }


def publish_world_products():
    assert publish(
        name="secret",
        classification="restricted",
        description="Restricted margins.",
        access=SECRET_ACCESS,
        **{"schema.location": "s3://data-products/sales/secret/"},
        **_checks("secret"),
    ).published
    assert publish(
        name="vault_ledger",
        classification="confidential",
        description=f"Invisible {SENTINEL}.",
        tags=["vault-tag"],
        access=HIDDEN_ACCESS,
        **{"schema.location": "s3://data-products/sales/vault_ledger/"},
        **_checks("vault_ledger"),
    ).published
    assert publish(name="orders").published
    write_parquet(
        "sales/secret",
        pa.table(
            {"order_id": ["o-1", "<script>alert(1)</script>", "o-3"], "total_amount": [10.5, 20.0, 30.25]}
        ),
    )
    write_parquet("sales/vault_ledger", pa.table({"order_id": [SENTINEL], "total_amount": [1.0]}))
    write_parquet("sales/orders", pa.table({"order_id": ["a"], "total_amount": [1.0]}))


POLICY_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "governance_policy.yaml"


def load_policies():
    from governance.services import policy_set_load

    policy_set_load(text=POLICY_FILE.read_text(), filename=POLICY_FILE.name)


@pytest.fixture
def world(db):
    """Six personas, three products, policies loaded; `holder` holds a grant on sales/secret and
    a data scientist has an open request on the hidden product (which nobody else may learn of)."""
    users = {
        "owner": make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics"),
        "other_owner": make_user(
            "other_owner", role="product_owner", home_domain="marketing", team="marketing-team"
        ),
        "analyst": make_user("analyst", role="analyst", home_domain="finance"),
        "holder": make_user("holder", role="analyst", home_domain="finance"),
        "lead": make_user("lead", governance=True),
    }
    scientist = make_user("scientist", role="data_scientist", home_domain="product")
    publish_world_products()
    load_policies()
    products = {p.name: p for p in DataProduct.objects.select_related("domain")}
    users["holder_grant"] = grant_via_workflow(
        product=products["secret"], user=users["holder"], owner=users["owner"], lead=users["lead"]
    )
    users["hidden_request"] = services.access_request_create(
        product=products["vault_ledger"], requester=scientist, purpose=f"Scientist {SENTINEL}"
    )
    users["products"] = products
    return users


def grant_via_workflow(*, product, user, owner, lead, **kwargs):
    """Request, then owner and governance approve: the real path to a grant."""
    req = services.access_request_create(
        product=product, requester=user, purpose="Quarterly report", **kwargs
    )
    if req.status != "approved":
        req = services.access_request_approve(request_id=req.pk, decided_by=owner)
    if req.status != "approved":
        req = services.access_request_approve(request_id=req.pk, decided_by=lead)
    assert req.status == "approved"
    return req.grant
