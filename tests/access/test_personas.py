"""Every route, every persona: the expected status, and nothing about an invisible product leaks.

The table is keyed by URL name and checked against the resolver: a route without an entry fails
`test_every_route_has_an_expectation`, so a new route cannot ship untested. Skipped only: admin/
(Django's own, staff only) and ALLOW_LIST below.

Personas: anonymous; `analyst` (sees sales/secret, holds no grant); `holder` (an analyst with a
grant on sales/secret); `other_owner` (owns a marketing product); `owner` (owns the sales
products); `lead` (governance). sales/vault_ledger is invisible to the first four: every answer
about it must be the missing-object answer, and SENTINEL must appear in no answer to them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from access import services
from access.models import AccessRequest
from catalog.models import DataProduct, SavedSearch
from governance.models import Policy
from tests.access.conftest import SENTINEL
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PERSONAS = ("anon", "analyst", "holder", "other_owner", "owner", "lead")
BLIND = ("analyst", "holder", "other_owner")  # may not see sales/vault_ledger
HIDDEN = "vault_ledger"
# Documented exceptions: the OpenAPI schema and its Swagger page describe routes, not data, and
# are public by design (the schema lists paths and parameters only).
ALLOW_LIST = {"api-schema", "api-docs"}


def S(anon, analyst, holder, other_owner, owner, lead) -> dict:
    return dict(zip(PERSONAS, (anon, analyst, holder, other_owner, owner, lead), strict=True))


@dataclass
class Case:
    method: str
    path: str  # may hold "{pk}", filled by prepare(world, persona) before each attempt
    expected: dict
    prepare: Callable | None = None
    data: dict = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def _pending_request(product_name: str, stage: str = "owner"):
    """A fresh open request on the product by a new analyst, at the given stage."""

    def prepare(world, persona):
        requester = make_user(
            f"req-{persona}-{product_name}-{next(_SEQ)}",
            role="data_scientist" if product_name == HIDDEN else "analyst",
        )
        req = services.access_request_create(
            product=world["products"][product_name], requester=requester, purpose="Report"
        )
        if stage == "governance":
            req = services.access_request_approve(request_id=req.pk, decided_by=world["owner"])
        return req.pk

    return prepare


def _analyst_request(world, persona):
    """A fresh open request on sales/secret by the analyst persona."""
    AccessRequest.objects.filter(requester=world["analyst"]).delete()
    return services.access_request_create(
        product=world["products"]["secret"], requester=world["analyst"], purpose="Report"
    ).pk


def _fresh_grant(product_name: str):
    def prepare(world, persona):
        from tests.access.conftest import grant_via_workflow

        requester = make_user(
            f"g-{persona}-{product_name}-{next(_SEQ)}",
            role="data_scientist" if product_name == HIDDEN else "analyst",
        )
        grant = grant_via_workflow(
            product=world["products"][product_name], user=requester, owner=world["owner"], lead=world["lead"]
        )
        return grant.pk

    return prepare


def _saved_search_of_owner(world, persona):
    return SavedSearch.objects.get_or_create(
        user=world["owner"], name="mine", defaults={"query_string": "q=x"}
    )[0].pk


PLATFORM_SPEC = {
    "name": "platform_orders",
    "domain": "sales",
    "owner_team": "sales-analytics",
    "source_tables": ["raw.orders"],
    "transformation_sql": "SELECT order_id, total_amount FROM raw.orders",
    "schedule": "0 2 * * *",
}


PLATFORM_POST = dict(PLATFORM_SPEC)  # its name is set per persona, so each registers a new product


def _new_platform_name(world, persona):
    PLATFORM_POST["name"] = f"platform_{persona}"
    return 0


def _platform_product(world, persona):
    """A draft product registered through the platform API (visible to its owners and leads)."""
    from catalog.platform.services import platform_product_register

    if not DataProduct.objects.filter(name="platform_orders").exists():
        platform_product_register(data=PLATFORM_SPEC, user=world["owner"])
    return 0


def _policy(world, persona):
    return Policy.objects.order_by("pk").first().pk


def _finished_run(product_name: str):
    """A finished run of the product with one check result (for the run and history pages)."""

    def prepare(world, persona):
        from django.utils import timezone

        from governance.models import CheckResult, QualityRun

        product = world["products"][product_name]
        run = QualityRun.objects.create(
            product=product, version=product.current_version, status="passed", finished_at=timezone.now()
        )
        CheckResult.objects.create(
            run=run,
            name="no_negative_amounts",
            kind="sql",
            passed=True,
            count=0,
            threshold=0,
            severity="critical",
        )
        return run.pk

    return prepare


def _run_of(product_name: str):
    """A queued quality run of the product (requested by its owner)."""

    def prepare(world, persona):
        from governance.checks.service import quality_run_request

        return quality_run_request(product=world["products"][product_name], user=world["owner"]).pk

    return prepare


def _open_alert(product_name: str):
    """A fresh open alert on the product, raised by the monitoring's own evaluation."""

    def prepare(world, persona):
        from django.utils import timezone

        from governance.models import Alert
        from governance.monitoring.alerts import Observation, alerts_apply

        n = next(_SEQ)
        rule = {"type": "volume", "condition": f"row_count > {n}", "severity": "warning"}
        rule |= {"metric": "row_count", "op": ">", "value": float(n), "percent": False, "event": None}
        product = world["products"][product_name]
        alerts_apply(
            product=product,
            rules=[rule],
            observation=Observation(values={"row_count": n + 1.0}),
            now=timezone.now(),
        )
        return Alert.objects.get(product=product, rule_key=f"volume:row_count > {n}").pk

    return prepare


def _compliance_report(world, persona):
    from governance.compliance.services import compliance_report_run

    return compliance_report_run().pk


def _fresh_waiver(product_name: str):
    """A live waiver on the product (any earlier live one revoked first)."""

    def prepare(world, persona):
        import datetime as dt

        from django.utils import timezone

        from governance.compliance.services import waiver_create, waiver_revoke
        from governance.models import Waiver

        product = world["products"][product_name]
        for live in Waiver.objects.filter(product=product, ended_at__isnull=True):
            waiver_revoke(waiver_id=live.pk, revoked_by=world["lead"])
        return waiver_create(
            product=product,
            policy="schema_validation",
            reason="Migration planned",
            expires_on=timezone.localdate() + dt.timedelta(days=30),
            created_by=world["lead"],
        ).pk

    return prepare


_SEQ = itertools.count()
HTML_PRODUCT_OK = S(302, 200, 200, 404, 200, 200)  # sales/secret: analysts see it, marketing does not
HTML_HIDDEN = S(302, 404, 404, 404, 200, 200)
API_PRODUCT_OK = S(401, 200, 200, 404, 200, 200)
API_HIDDEN = S(401, 404, 404, 404, 200, 200)

SECRET, VAULT = "/products/sales/secret/", f"/products/sales/{HIDDEN}/"
API_SECRET, API_VAULT = "/api/v1" + SECRET, "/api/v1" + VAULT
ALL_OK = S(302, 200, 200, 200, 200, 200)
API_ALL_OK = S(401, 200, 200, 200, 200, 200)
SIGNED_IN_REDIRECT = S(302, 302, 302, 302, 302, 302)
DECIDE_OWNER_STAGE = S(302, 404, 404, 404, 302, 403)  # leads see restricted requests, but not this stage
DECIDE_GOV_STAGE = S(302, 404, 404, 404, 403, 302)
API_DECIDE_OWNER_STAGE = S(401, 404, 404, 404, 200, 403)
API_DECIDE_GOV_STAGE = S(401, 404, 404, 404, 403, 200)
REJECT = {"comment": "Not for this purpose."}
LEADS_ONLY = S(302, 403, 403, 403, 403, 200)
API_LEADS_ONLY = S(401, 403, 403, 403, 403, 200)


def _waiver_body(product: str) -> dict:
    import datetime as dt

    from django.utils import timezone

    return {
        "product": product,
        "policy": "quality_gates",
        "reason": "Checks land next sprint",
        "expires_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }


EXPECTED: dict[str, list[Case]] = {
    # --- accounts
    "login": [Case("GET", "/accounts/login/", S(200, 302, 302, 302, 302, 302))],
    "logout": [Case("POST", "/accounts/logout/", SIGNED_IN_REDIRECT)],
    # --- catalog pages (other engineers' routes)
    "home": [Case("GET", "/", ALL_OK)],
    "search": [Case("GET", "/search/?q=vault", ALL_OK), Case("GET", "/search/?q=invisible", ALL_OK)],
    "saved-search-save": [
        Case("POST", "/search/saved/", SIGNED_IN_REDIRECT, data={"name": "vaults", "querystring": "q=vault"})
    ],
    "saved-search-delete": [
        Case(
            "POST",
            "/search/saved/{pk}/delete/",
            S(302, 404, 404, 404, 302, 404),
            prepare=_saved_search_of_owner,
        )
    ],
    "domain-list": [Case("GET", "/domains/", ALL_OK)],
    "domain-detail": [Case("GET", "/domains/sales/", ALL_OK)],
    "product": [Case("GET", SECRET, HTML_PRODUCT_OK), Case("GET", VAULT, HTML_HIDDEN)],
    "product-tab": [
        Case("GET", SECRET + "schema/", HTML_PRODUCT_OK),
        Case("GET", VAULT + "schema/", HTML_HIDDEN),
        Case("GET", VAULT + "contract/?download=1", HTML_HIDDEN),
    ],
    "product-contract-yaml": [
        Case("GET", SECRET + "contract.yaml", HTML_PRODUCT_OK),
        Case("GET", VAULT + "contract.yaml", HTML_HIDDEN),
    ],
    "product-create": [Case("GET", "/publish/", S(302, 403, 403, 200, 200, 200))],
    "product-publish": [
        Case("GET", SECRET + "publish/", S(302, 403, 403, 403, 200, 200)),
        Case("GET", VAULT + "publish/", S(302, 403, 403, 403, 200, 200)),
    ],
    "policies": [Case("GET", "/governance/policies/", ALL_OK)],
    "policy-edit": [
        Case("GET", "/governance/policies/{pk}/edit/", S(302, 403, 403, 403, 403, 200), prepare=_policy)
    ],
    # --- monitoring pages
    "monitoring-run-create": [
        Case("POST", "/governance" + SECRET + "runs/", S(302, 403, 403, 404, 302, 302)),
        Case("POST", "/governance" + VAULT + "runs/", S(302, 404, 404, 404, 302, 302)),
    ],
    "monitoring-run-status": [
        Case("GET", "/governance" + SECRET + "runs/{pk}/", HTML_PRODUCT_OK, prepare=_finished_run("secret")),
        Case("GET", "/governance" + VAULT + "runs/{pk}/", HTML_HIDDEN, prepare=_finished_run(HIDDEN)),
    ],
    "monitoring-check-history": [
        Case(
            "GET",
            "/governance" + SECRET + "checks/no_negative_amounts/",
            HTML_PRODUCT_OK,
            prepare=_finished_run("secret"),
        ),
        Case(
            "GET",
            "/governance" + VAULT + "checks/no_negative_amounts/",
            HTML_HIDDEN,
            prepare=_finished_run(HIDDEN),
        ),
    ],
    "monitoring-product-alerts": [
        Case("GET", "/governance" + SECRET + "alerts/", HTML_PRODUCT_OK, prepare=_open_alert("secret")),
        Case("GET", "/governance" + VAULT + "alerts/?state=all", HTML_HIDDEN, prepare=_open_alert(HIDDEN)),
    ],
    "monitoring-alerts": [
        Case("GET", "/governance/alerts/", ALL_OK, prepare=_open_alert(HIDDEN)),
        Case("GET", "/governance/alerts/?state=all&severity=critical", ALL_OK, prepare=_open_alert("secret")),
    ],
    "monitoring-alert-acknowledge": [
        Case(
            "POST",
            "/governance/alerts/{pk}/acknowledge/",
            S(302, 403, 403, 404, 302, 302),
            prepare=_open_alert("secret"),
        ),
        Case(
            "POST",
            "/governance/alerts/{pk}/acknowledge/",
            S(302, 404, 404, 404, 302, 302),
            prepare=_open_alert(HIDDEN),
        ),
    ],
    "monitoring-alert-resolve": [
        Case(
            "POST",
            "/governance/alerts/{pk}/resolve/",
            S(302, 403, 403, 404, 302, 302),
            prepare=_open_alert("secret"),
        ),
        Case(
            "POST",
            "/governance/alerts/{pk}/resolve/",
            S(302, 404, 404, 404, 302, 302),
            prepare=_open_alert(HIDDEN),
        ),
    ],
    # --- compliance pages (governance leads)
    "compliance": [Case("GET", "/governance/compliance/", LEADS_ONLY, prepare=_compliance_report)],
    "compliance-products": [
        Case("GET", "/governance/compliance/products/?domain=sales", LEADS_ONLY, prepare=_compliance_report),
        Case("GET", "/governance/compliance/products/?policy=schema_validation", LEADS_ONLY),
    ],
    "compliance-export": [
        Case("GET", "/governance/compliance/export/worst.csv", LEADS_ONLY, prepare=_compliance_report),
        Case("GET", "/governance/compliance/export/products.json?domain=sales", LEADS_ONLY),
    ],
    "compliance-run": [Case("POST", "/governance/compliance/run/", S(302, 403, 403, 403, 403, 302))],
    "compliance-waivers": [
        Case("GET", "/governance/compliance/waivers/", LEADS_ONLY, prepare=_fresh_waiver(HIDDEN))
    ],
    "compliance-waiver-revoke": [
        Case(
            "POST",
            "/governance/compliance/waivers/{pk}/revoke/",
            S(302, 403, 403, 403, 403, 302),
            prepare=_fresh_waiver(HIDDEN),
        )
    ],
    # --- compliance API
    "api-compliance-reports": [
        Case("GET", "/api/v1/compliance/reports/", API_LEADS_ONLY, prepare=_compliance_report),
        Case("POST", "/api/v1/compliance/reports/", S(401, 403, 403, 403, 403, 202)),
    ],
    "api-compliance-report": [
        Case("GET", "/api/v1/compliance/reports/latest/", API_LEADS_ONLY, prepare=_compliance_report),
        Case("GET", "/api/v1/compliance/reports/{pk}/", API_LEADS_ONLY, prepare=_compliance_report),
    ],
    "api-compliance-report-products": [
        Case(
            "GET",
            "/api/v1/compliance/reports/latest/products/?domain=sales",
            API_LEADS_ONLY,
            prepare=_compliance_report,
        )
    ],
    "api-compliance-dashboard": [
        Case("GET", "/api/v1/compliance/dashboard/", API_LEADS_ONLY, prepare=_compliance_report)
    ],
    "api-product-compliance": [
        Case("GET", API_SECRET + "compliance/", API_PRODUCT_OK),
        Case("GET", API_VAULT + "compliance/", API_HIDDEN),
    ],
    "api-waivers": [
        Case("GET", "/api/v1/waivers/", API_ALL_OK, prepare=_fresh_waiver(HIDDEN)),
        Case("POST", "/api/v1/waivers/", S(401, 403, 403, 404, 403, 201), data=_waiver_body("sales/secret")),
        Case(
            "POST", "/api/v1/waivers/", S(401, 404, 404, 404, 403, 201), data=_waiver_body(f"sales/{HIDDEN}")
        ),
    ],
    "api-waiver": [
        Case("GET", "/api/v1/waivers/{pk}/", API_PRODUCT_OK, prepare=_fresh_waiver("secret")),
        Case("GET", "/api/v1/waivers/{pk}/", API_HIDDEN, prepare=_fresh_waiver(HIDDEN)),
        Case(
            "DELETE", "/api/v1/waivers/{pk}/", S(401, 404, 404, 404, 403, 204), prepare=_fresh_waiver(HIDDEN)
        ),
    ],
    # --- catalog API
    "api-domains": [Case("GET", "/api/v1/domains/", API_ALL_OK)],
    "api-products": [
        Case("GET", "/api/v1/products/?facets=true", API_ALL_OK),
        Case("GET", "/api/v1/products/?search=invisible", API_ALL_OK),
        Case("GET", "/api/v1/products/?tag=vault-tag", API_ALL_OK),
    ],
    "api-product": [Case("GET", API_SECRET, API_PRODUCT_OK), Case("GET", API_VAULT, API_HIDDEN)],
    "api-product-versions": [
        Case("GET", API_SECRET + "versions/", API_PRODUCT_OK),
        Case("GET", API_VAULT + "versions/", API_HIDDEN),
    ],
    "api-product-contract": [
        Case("GET", API_SECRET + "versions/1.0.0/contract/", API_PRODUCT_OK),
        Case("GET", API_VAULT + "versions/1.0.0/contract/", API_HIDDEN),
    ],
    # --- platform API
    "api-platform-products": [
        Case("GET", "/api/v1/platform/products?domain=sales", API_ALL_OK),
        Case(
            "POST",
            "/api/v1/platform/products",
            S(401, 403, 403, 403, 201, 201),
            prepare=_new_platform_name,
            data=PLATFORM_POST,
        ),
        Case(
            "POST",
            "/api/v1/platform/products",
            S(401, 403, 403, 403, 409, 409),
            data={**PLATFORM_SPEC, "name": HIDDEN},
        ),
    ],
    "api-platform-product": [
        Case("GET", "/api/v1/platform/products/sales_secret", API_PRODUCT_OK),
        Case("GET", f"/api/v1/platform/products/sales_{HIDDEN}", API_HIDDEN),
    ],
    "api-platform-discover": [Case("GET", "/api/v1/platform/discover?search=invisible", API_ALL_OK)],
    "api-product-scaffold": [
        Case(
            "GET",
            "/api/v1/products/sales/platform_orders/scaffold.zip",
            S(401, 404, 404, 404, 200, 200),
            prepare=_platform_product,
        ),
        Case("GET", API_VAULT + "scaffold.zip", S(401, 404, 404, 404, 404, 404)),
    ],
    # --- access API
    "api-access-requests": [
        Case("GET", "/api/v1/access-requests/", API_ALL_OK),
        Case(
            "POST",
            "/api/v1/access-requests/",
            S(401, 201, 409, 404, 409, 409),
            data={"product": "sales/secret", "purpose": "Report"},
        ),
        Case(
            "POST",
            "/api/v1/access-requests/",
            S(401, 404, 404, 404, 409, 409),
            data={"product": f"sales/{HIDDEN}", "purpose": "Report"},
        ),
    ],
    "api-access-request-approve": [
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/approve/",
            API_DECIDE_OWNER_STAGE,
            prepare=_pending_request("secret"),
        ),
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/approve/",
            API_DECIDE_OWNER_STAGE,
            prepare=_pending_request(HIDDEN),
        ),
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/approve/",
            API_DECIDE_GOV_STAGE,
            prepare=_pending_request("secret", "governance"),
        ),
    ],
    "api-access-request-reject": [
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/reject/",
            API_DECIDE_OWNER_STAGE,
            prepare=_pending_request(HIDDEN),
            data=REJECT,
        ),
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/reject/",
            API_DECIDE_GOV_STAGE,
            prepare=_pending_request("secret", "governance"),
            data=REJECT,
        ),
    ],
    "api-access-request-cancel": [
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/cancel/",
            S(401, 200, 404, 404, 403, 403),
            prepare=_analyst_request,
        ),
        Case(
            "POST",
            "/api/v1/access-requests/{pk}/cancel/",
            S(401, 404, 404, 404, 403, 403),
            prepare=_pending_request(HIDDEN),
        ),
    ],
    "api-grants": [
        Case("GET", "/api/v1/grants/", API_ALL_OK),
        Case("GET", "/api/v1/grants/?active=true", API_ALL_OK),
    ],
    "api-grant": [
        Case(
            "DELETE", "/api/v1/grants/{pk}/", S(401, 404, 404, 404, 204, 204), prepare=_fresh_grant("secret")
        ),
        Case("DELETE", "/api/v1/grants/{pk}/", S(401, 404, 404, 404, 204, 204), prepare=_fresh_grant(HIDDEN)),
    ],
    "api-product-preview": [
        Case("GET", API_SECRET + "preview/", S(401, 403, 200, 404, 200, 200)),
        Case("GET", API_VAULT + "preview/", API_HIDDEN),
    ],
    # Any other /api/v1/ path: the JSON 404, for everyone (it describes no data).
    "api-not-found": [
        Case("GET", "/api/v1/no-such-route/", S(404, 404, 404, 404, 404, 404)),
        Case("POST", "/api/v1/access-requests/not-a-number/approve/", S(404, 404, 404, 404, 404, 404)),
    ],
    # --- monitoring API
    "api-product-runs": [
        Case("GET", API_SECRET + "runs/", API_PRODUCT_OK),
        Case("GET", API_VAULT + "runs/", API_HIDDEN),
        # owners start a run (202); the lead then gets the run already queued (200)
        Case("POST", API_SECRET + "runs/", S(401, 403, 403, 404, 202, 200)),
        Case("POST", API_VAULT + "runs/", S(401, 404, 404, 404, 202, 200)),
    ],
    "api-product-run": [
        Case("GET", API_SECRET + "runs/{pk}/", API_PRODUCT_OK, prepare=_run_of("secret")),
        Case("GET", API_VAULT + "runs/{pk}/", API_HIDDEN, prepare=_run_of(HIDDEN)),
    ],
    "api-product-metrics": [
        Case("GET", API_SECRET + "metrics/?name=row_count", API_PRODUCT_OK),
        Case("GET", API_VAULT + "metrics/?name=row_count", API_HIDDEN),
    ],
    "api-product-alerts": [
        Case("GET", API_SECRET + "alerts/", API_PRODUCT_OK),
        Case("GET", API_VAULT + "alerts/?state=all", API_HIDDEN),
    ],
    "api-alerts": [
        Case("GET", "/api/v1/alerts/", API_ALL_OK),
        Case("GET", "/api/v1/alerts/?state=all", API_ALL_OK),
    ],
    "api-alert-acknowledge": [
        Case(
            "POST",
            "/api/v1/alerts/{pk}/acknowledge/",
            S(401, 403, 403, 404, 200, 200),
            prepare=_open_alert("secret"),
        ),
        Case("POST", "/api/v1/alerts/{pk}/acknowledge/", API_HIDDEN, prepare=_open_alert(HIDDEN)),
    ],
    "api-alert-resolve": [
        Case(
            "POST",
            "/api/v1/alerts/{pk}/resolve/",
            S(401, 403, 403, 404, 200, 200),
            prepare=_open_alert("secret"),
        ),
        Case("POST", "/api/v1/alerts/{pk}/resolve/", API_HIDDEN, prepare=_open_alert(HIDDEN)),
    ],
    # --- access pages
    "product-access": [
        Case("GET", "/access" + SECRET, HTML_PRODUCT_OK),
        Case("GET", "/access" + VAULT, HTML_HIDDEN),
    ],
    "request-create": [
        Case(
            "POST",
            "/access" + SECRET + "request/",
            S(302, 302, 302, 404, 302, 302),
            data={"purpose": "Report"},
        ),
        Case(
            "POST",
            "/access" + VAULT + "request/",
            S(302, 404, 404, 404, 302, 302),
            data={"purpose": "Report"},
        ),
    ],
    "preview": [
        Case("GET", "/access" + SECRET + "preview/", S(302, 403, 200, 404, 200, 200)),
        Case("GET", "/access" + VAULT + "preview/", HTML_HIDDEN),
    ],
    "inbox": [Case("GET", "/access/inbox/", ALL_OK)],
    "requests": [Case("GET", "/access/requests/", ALL_OK)],
    "request-approve": [
        Case(
            "POST", "/access/requests/{pk}/approve/", DECIDE_OWNER_STAGE, prepare=_pending_request("secret")
        ),
        Case(
            "POST",
            "/access/requests/{pk}/approve/",
            DECIDE_GOV_STAGE,
            prepare=_pending_request(HIDDEN, "governance"),
        ),
    ],
    "request-reject": [
        Case(
            "POST",
            "/access/requests/{pk}/reject/",
            DECIDE_OWNER_STAGE,
            prepare=_pending_request(HIDDEN),
            data=REJECT,
        ),
        Case(
            "POST",
            "/access/requests/{pk}/reject/",
            DECIDE_GOV_STAGE,
            prepare=_pending_request("secret", "governance"),
            data=REJECT,
        ),
    ],
    "request-cancel": [
        Case(
            "POST", "/access/requests/{pk}/cancel/", S(302, 302, 404, 404, 403, 403), prepare=_analyst_request
        ),
        Case(
            "POST",
            "/access/requests/{pk}/cancel/",
            S(302, 404, 404, 404, 403, 403),
            prepare=_pending_request(HIDDEN),
        ),
    ],
    "grants": [Case("GET", "/access/grants/", ALL_OK)],
    "grant-revoke": [
        Case(
            "POST",
            "/access/grants/{pk}/revoke/",
            S(302, 404, 404, 404, 302, 302),
            prepare=_fresh_grant("secret"),
        ),
        Case(
            "POST",
            "/access/grants/{pk}/revoke/",
            S(302, 404, 404, 404, 302, 302),
            prepare=_fresh_grant(HIDDEN),
        ),
    ],
    "audit": [
        Case("GET", "/access/audit/", S(302, 403, 403, 200, 200, 200)),
        Case("GET", "/access/audit/?action=access_request", S(302, 403, 403, 200, 200, 200)),
    ],
    "audit-export": [Case("GET", "/access/audit/export/", S(302, 403, 403, 200, 200, 200))],
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def routes() -> list[tuple[str, str]]:
    return [
        (route, name) for route, name in _walk(get_resolver().url_patterns) if not route.startswith("admin/")
    ]


def test_every_route_has_an_expectation():
    missing = [(route, name) for route, name in routes() if name not in EXPECTED and name not in ALLOW_LIST]
    names = [name for _, name in routes()]
    assert not missing, f"routes without an entry in EXPECTED: {missing}"
    assert len(names) == len(set(names)), "route names must be unique for the table"
    assert not set(EXPECTED) - set(names), f"stale entries: {set(EXPECTED) - set(names)}"


def _call(client, case: Case, path: str, user):
    client.logout()
    headers = {}
    if user is not None:
        if case.api:
            token, _ = Token.objects.get_or_create(user=user)
            headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        else:
            client.force_login(user)
    method = getattr(client, case.method.lower())
    if case.api and case.method in ("POST", "DELETE"):
        return method(path, case.data, content_type="application/json", **headers)
    return (
        method(path, case.data, **headers) if case.data or case.method == "POST" else method(path, **headers)
    )


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_route_answers_each_persona_as_expected_and_leaks_nothing(client, world, name):
    failures = []
    for index, case in enumerate(EXPECTED[name]):
        for persona in PERSONAS:
            path = case.path
            if case.prepare is not None:
                path = path.format(pk=case.prepare(world, persona))
            user = None if persona == "anon" else world[persona]
            response = _call(client, case, path, user)
            body = _body(response)
            if response.status_code != case.expected[persona]:
                failures.append(
                    f"case {index} {case.method} {path} as {persona}: {response.status_code} != {case.expected[persona]}"
                )
            if persona in BLIND and (SENTINEL.encode() in body or HIDDEN.encode() in body):
                failures.append(f"case {index} {case.method} {path} as {persona}: the hidden product leaked")
            if persona == "anon" and response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/") or name in ("logout", "login")
    assert not failures, "\n".join(failures)
