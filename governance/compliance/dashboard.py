"""The governance lead's dashboard as tables: each has columns, rows and, per cell, the
drill-down to the products behind the figure. The page renders them, the export views write
them as CSV or JSON, the API returns them: one source, so the numbers always agree.

A fixed number of queries whatever the number of products: figures come from the stored
report's summaries, a few `LIMIT`ed lists and grouped aggregates.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from access.models import OPEN_STATUSES, AccessRequest, RequestStatus
from catalog.models import DataProduct

from ..models import ComplianceDomainSummary, ComplianceReport, ComplianceViolation, ProductCompliance
from .scoring import SEVERITIES
from .selectors import HISTORY_LENGTH, finished_reports, live_waivers

WORST_LIMIT = 10
LIST_LIMIT = 50
ACCESS_WINDOW_DAYS = 90
TABLES = ("domains", "heatmap", "worst", "violations", "waivers", "sla", "access", "trend")


def drill(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("governance:compliance-products") + (f"?{query}" if query else "")


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[list[str | None]] = field(default_factory=list)  # parallel to rows
    total: int | None = None  # when rows are a LIMITed part of more

    def add(self, values: list, links: list[str | None] | None = None) -> None:
        self.rows.append(values)
        self.links.append(links or [None] * len(values))

    @property
    def headers(self) -> list[str]:
        return [c.replace("_", " ") for c in self.columns]

    def cells(self):
        """(value, link) pairs per row, for templates."""
        return [list(zip(row, links, strict=True)) for row, links in zip(self.rows, self.links, strict=True)]

    def as_records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def dashboard(*, now: dt.datetime | None = None, tables: tuple[str, ...] = TABLES) -> dict:
    """Everything the dashboard shows; `tables` limits what is computed (exports need one)."""
    now = now or timezone.now()
    report = finished_reports().first()
    out: dict = {"report": report, "tables": {}}
    if report is not None:
        out["organization"] = organization_figures(report)
    builders = {
        "domains": lambda: domains_table(report),
        "heatmap": lambda: heatmap_table(report),
        "worst": lambda: worst_table(report),
        "violations": lambda: violations_table(report),
        "waivers": lambda: waivers_table(today=timezone.localdate(now)),
        "sla": sla_table,
        "access": lambda: access_table(now=now),
        "trend": trend_table,
    }
    for key in tables:
        out["tables"][key] = builders[key]()
    return out


def organization_figures(report: ComplianceReport) -> dict:
    return {
        "score": report.score,
        "products": report.product_count,
        "compliant": report.compliant_count,
        "noncompliant": report.product_count - report.compliant_count,
        "open": report.open_count,
        "by_severity": {s: report.by_severity.get(s, 0) for s in SEVERITIES},
        "waived": report.waived_count,
        "as_of": report.as_of,
        "finished_at": report.finished_at,
        "policy_set_version": report.policy_set_version,
    }


def _summaries(report):
    if report is None:
        return []
    return list(
        ComplianceDomainSummary.objects.filter(report=report)
        .select_related("domain")
        .order_by("domain__name")
    )


def domains_table(report) -> Table:
    table = Table("domains", "Domains", ["domain", "products", "compliant", "score", *SEVERITIES, "waived"])
    for s in _summaries(report):
        d = s.domain.name
        table.add(
            [
                d,
                s.product_count,
                s.compliant_count,
                s.score,
                *(s.by_severity.get(x, 0) for x in SEVERITIES),
                s.waived_count,
            ],
            [
                drill(domain=d),
                drill(domain=d),
                drill(domain=d, compliant="yes"),
                drill(domain=d),
                *(drill(domain=d, severity=x) for x in SEVERITIES),
                drill(domain=d, waived="yes"),
            ],
        )
    return table


def heatmap_table(report) -> Table:
    summaries = _summaries(report)
    policies = sorted({p for s in summaries for p in s.by_policy})
    table = Table("heatmap", "Open violations by domain and policy", ["domain", *policies])
    for s in summaries:
        d = s.domain.name
        table.add(
            [d, *(s.by_policy.get(p, 0) for p in policies)],
            [drill(domain=d), *(drill(domain=d, policy=p) for p in policies)],
        )
    return table


def worst_table(report) -> Table:
    table = Table(
        "worst",
        "Worst products (below 100)",
        ["product", "version", "score", "critical", "error", "warning", "waived"],
    )
    if report is None:
        return table
    rows = (
        ProductCompliance.objects.filter(report=report, score__lt=100)
        .select_related("product__domain")
        .order_by("score", "product__domain__name", "product__name")[:WORST_LIMIT]
    )
    for r in rows:
        url = reverse("product", args=[r.product.domain.name, r.product.name])
        table.add(
            [
                r.product.ref,
                r.version_label,
                r.score,
                r.critical_count,
                r.error_count,
                r.warning_count,
                r.waived_count,
            ],
            [url, url, url, None, None, None, None],
        )
    return table


def violations_table(report, *, limit: int | None = LIST_LIMIT) -> Table:
    table = Table("violations", "Open violations", ["product", "severity", "policy", "field", "message"])
    if report is None:
        return table
    qs = (
        ComplianceViolation.objects.filter(report=report, waiver__isnull=True)
        .exclude(severity="info")
        .select_related("product__domain")
        .order_by("product_report__score", "product_id", "position")
    )
    table.total = report.open_count
    for v in qs[:limit] if limit else qs.iterator(chunk_size=2000):
        url = reverse("product", args=[v.product.domain.name, v.product.name])
        table.add(
            [v.product.ref, v.severity, v.policy, v.field, v.message],
            [url, drill(severity=v.severity), drill(policy=v.policy), None, None],
        )
    return table


def waivers_table(*, today: dt.date, limit: int | None = LIST_LIMIT) -> Table:
    table = Table(
        "waivers", "Waivers in force", ["id", "product", "policy", "expires_on", "reason", "granted_by"]
    )
    qs = (
        live_waivers(today=today).select_related("product__domain", "created_by").order_by("expires_on", "id")
    )
    table.total = qs.count()
    for w in qs[:limit] if limit else qs:
        url = reverse("product", args=[w.product.domain.name, w.product.name])
        table.add(
            [w.pk, w.product.ref, w.policy, w.expires_on.isoformat(), w.reason, w.created_by.username],
            [None, url, drill(policy=w.policy, waived="yes"), None, None, None],
        )
    return table


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def sla_table() -> Table:
    """Freshness and quality attainment per domain from the monitoring columns: the share of
    measured products that are fresh / passing (products never measured are left out)."""
    table = Table(
        "sla",
        "SLA attainment",
        [
            "domain",
            "products",
            "freshness_measured",
            "fresh",
            "late",
            "stale",
            "freshness_attainment",
            "quality_measured",
            "passing",
            "warning",
            "failing",
            "quality_attainment",
        ],
    )
    counts = {
        f"{col}_{value}": Count("pk", filter=Q(**{col: value}))
        for col, values in (
            ("freshness_status", ("fresh", "late", "stale")),
            ("quality_health", ("passing", "warning", "failing")),
        )
        for value in values
    }
    rows = (
        DataProduct.objects.values("domain__name")
        .annotate(total=Count("pk"), **counts)
        .order_by("domain__name")
    )
    for r in rows:
        d = r["domain__name"]
        fresh, late, stale = (r[f"freshness_status_{v}"] for v in ("fresh", "late", "stale"))
        passing, warning, failing = (r[f"quality_health_{v}"] for v in ("passing", "warning", "failing"))
        f_measured, q_measured = fresh + late + stale, passing + warning + failing
        table.add(
            [
                d,
                r["total"],
                f_measured,
                fresh,
                late,
                stale,
                _pct(fresh, f_measured),
                q_measured,
                passing,
                warning,
                failing,
                _pct(passing, q_measured),
            ],
            [
                drill(domain=d),
                drill(domain=d),
                drill(domain=d, freshness="measured"),
                drill(domain=d, freshness="fresh"),
                drill(domain=d, freshness="late"),
                drill(domain=d, freshness="stale"),
                drill(domain=d, freshness="fresh"),
                drill(domain=d, quality="measured"),
                drill(domain=d, quality="passing"),
                drill(domain=d, quality="warning"),
                drill(domain=d, quality="failing"),
                drill(domain=d, quality="passing"),
            ],
        )
    return table


def access_window(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=ACCESS_WINDOW_DAYS)


def access_table(*, now: dt.datetime) -> Table:
    """Per domain and for all: median hours from request to the last human decision, the share
    of decided requests policy approved at once, open requests. Decided and auto-approved count
    requests created in the last ACCESS_WINDOW_DAYS days; open counts every open request."""
    table = Table(
        "access",
        f"Access requests (last {ACCESS_WINDOW_DAYS} days)",
        [
            "domain",
            "median_hours_to_decision",
            "decided_by_people",
            "auto_approved",
            "auto_approval_rate",
            "open",
        ],
    )
    since = access_window(now)
    stats: dict[str, dict] = defaultdict(lambda: {"hours": [], "auto": 0, "decided": 0, "open": 0})
    for domain, count in (
        AccessRequest.objects.filter(status__in=OPEN_STATUSES)
        .values_list("product__domain__name")
        .annotate(n=Count("pk"))
    ):
        stats[domain]["open"] = count
    decided = AccessRequest.objects.filter(
        created_at__gte=since, status__in=[RequestStatus.APPROVED, RequestStatus.REJECTED]
    ).values_list("product__domain__name", "created_at", "owner_decided_at", "governance_decided_at")
    for domain, created, owner_at, gov_at in decided:
        s = stats[domain]
        s["decided"] += 1
        final = max((t for t in (owner_at, gov_at) if t is not None), default=None)
        if final is None:
            s["auto"] += 1
        else:
            s["hours"].append((final - created).total_seconds() / 3600)
    names = sorted(stats)
    total = {"hours": [], "auto": 0, "decided": 0, "open": 0}
    for d in names:
        s = stats[d]
        for key in ("auto", "decided", "open"):
            total[key] += s[key]
        total["hours"] += s["hours"]
        table.add(_access_row(d, s), _access_links(d))
    table.add(_access_row("all", total), _access_links(""))
    return table


def _access_row(domain: str, s: dict) -> list:
    median = round(statistics.median(s["hours"]), 1) if s["hours"] else None
    return [domain, median, len(s["hours"]), s["auto"], _pct(s["auto"], s["decided"]), s["open"]]


def _access_links(domain: str) -> list:
    return [
        drill(domain=domain) if domain else drill(),
        drill(domain=domain, access="decided"),
        drill(domain=domain, access="decided"),
        drill(domain=domain, access="auto"),
        drill(domain=domain, access="auto"),
        drill(domain=domain, access="open"),
    ]


def trend_table(limit: int = HISTORY_LENGTH) -> Table:
    table = Table(
        "trend", "Score history", ["report", "as_of", "score", "products", "compliant", "open", "waived"]
    )
    reports = list(finished_reports()[:limit])
    for r in reversed(reports):
        table.add(
            [
                r.pk,
                r.as_of.isoformat(),
                r.score,
                r.product_count,
                r.compliant_count,
                r.open_count,
                r.waived_count,
            ],
            [
                drill(report=r.pk),
                drill(report=r.pk),
                drill(report=r.pk),
                drill(report=r.pk),
                drill(report=r.pk, compliant="yes"),
                drill(report=r.pk, compliant="no"),
                drill(report=r.pk, waived="yes"),
            ],
        )
    return table


def report_for(params):
    """The report a drill-down reads: `?report=<id>` (a past one, from the trend), else the latest."""
    from .selectors import latest_report

    ref = (params.get("report") or "").strip()
    if ref:
        # isdigit() alone admits "²", which int() refuses: only ASCII digits name a report.
        is_id = ref.isascii() and ref.isdigit() and len(ref) <= 18
        return finished_reports().filter(pk=int(ref)).first() if is_id else None
    return latest_report()


# --- drill-down ----------------------------------------------------------------------------------

FILTERS = ("domain", "policy", "severity", "compliant", "waived", "freshness", "quality", "access")


def products_behind(report, params, *, now: dt.datetime | None = None):
    """The latest report's product rows behind a figure: `params` holds any of FILTERS.
    Returns (queryset, description) - an unknown value matches nothing rather than everything."""
    now = now or timezone.now()
    qs = ProductCompliance.objects.filter(report=report).select_related("product__domain")
    said = []
    get = {k: (params.get(k) or "").strip() for k in FILTERS}
    if get["domain"]:
        qs = qs.filter(domain__name=get["domain"])
        said.append(f"domain {get['domain']}")
    open_v = ComplianceViolation.objects.filter(report=report, waiver__isnull=True)
    if get["policy"] and get["waived"] != "yes":
        qs = qs.filter(
            pk__in=open_v.exclude(severity="info").filter(policy=get["policy"]).values("product_report_id")
        )
        said.append(f"open {get['policy']} violations")
    if get["severity"]:
        qs = qs.filter(pk__in=open_v.filter(severity=get["severity"]).values("product_report_id"))
        said.append(f"open {get['severity']} violations")
    if get["compliant"] in ("yes", "no"):
        qs = qs.filter(compliant=get["compliant"] == "yes")
        said.append("compliant" if get["compliant"] == "yes" else "not compliant")
    if get["waived"] == "yes":
        waived = ComplianceViolation.objects.filter(report=report, waiver__isnull=False)
        if get["policy"]:
            waived = waived.filter(policy=get["policy"])
        qs = qs.filter(pk__in=waived.values("product_report_id"))
        said.append(f"waived {get['policy'] or ''} violations".replace("  ", " "))
    for column, key in (("freshness_status", "freshness"), ("quality_health", "quality")):
        value = get[key]
        if value == "measured":
            qs = qs.exclude(**{f"product__{column}": "unknown"})
            said.append(f"{key} measured")
        elif value:
            qs = qs.filter(**{f"product__{column}": value})
            said.append(f"{key} {value}")
    if get["access"]:
        requests = AccessRequest.objects.all()
        if get["access"] == "open":
            requests = requests.filter(status__in=OPEN_STATUSES)
        else:
            decided = requests.filter(
                created_at__gte=access_window(now),
                status__in=[RequestStatus.APPROVED, RequestStatus.REJECTED],
            )
            auto = Q(owner_decided_at__isnull=True, governance_decided_at__isnull=True)
            requests = decided.filter(auto) if get["access"] == "auto" else decided.exclude(auto)
        qs = qs.filter(product_id__in=requests.values("product_id"))
        said.append(
            {"open": "open access requests", "auto": "auto-approved requests"}.get(
                get["access"], "requests decided by people"
            )
        )
    return qs.order_by("score", "product__domain__name", "product__name"), ", ".join(said) or "all products"


def products_table(report, params) -> Table:
    table = Table(
        "products", "Products", ["product", "version", "status", "score", "compliant", *SEVERITIES, "waived"]
    )
    if report is None:
        return table
    qs, _ = products_behind(report, params)
    for r in qs.iterator(chunk_size=2000):
        table.add(
            [
                r.product.ref,
                r.version_label,
                r.version_status,
                r.score,
                r.compliant,
                r.critical_count,
                r.error_count,
                r.warning_count,
                r.info_count,
                r.waived_count,
            ]
        )
    return table
