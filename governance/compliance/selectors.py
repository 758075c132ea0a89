"""Reads for compliance: the latest report, a product's compliance now, history, waivers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from catalog.models import DataProduct, ProductVersion

from ..models import RUN_FINISHED, ComplianceReport, ProductCompliance, QualityRun, Waiver
from ..selectors import active_policy_params
from .evaluate import ProductJudgement, judge_product
from .services import run_summaries, waivers_in_force

HISTORY_LENGTH = 30


def finished_reports():
    return ComplianceReport.objects.filter(finished_at__isnull=False).order_by("-started_at", "-id")


def latest_report() -> ComplianceReport | None:
    return finished_reports().first()


def product_compliance_now(
    *, product: DataProduct, now: dt.datetime | None = None
) -> ProductJudgement | None:
    """The product judged now exactly as a report would judge it (same rules, latest run, the
    waivers in force today); None when the product has no version. Seven queries."""
    today = timezone.localdate(now or timezone.now())
    version = (
        ProductVersion.objects.filter(pk=product.current_version_id).first()
        if product.current_version_id
        else ProductVersion.objects.filter(product=product)
        .order_by("-major", "-minor", "-patch", "-created_at")
        .first()
    )
    if version is None:
        return None
    run_id = (
        QualityRun.objects.filter(product=product, status__in=RUN_FINISHED)
        .order_by("-finished_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    summary = run_summaries(run_ids=[run_id]).get(run_id) if run_id else None
    return judge_product(
        product_id=product.pk,
        domain_id=product.domain_id,
        version_id=version.pk,
        version_label=version.version,
        version_status=version.status,
        contract=version.contract,
        params=active_policy_params(),
        run_summary=summary,
        waivers=waivers_in_force(day=today, product_ids=[product.pk]).get(product.pk, {}),
        today=today,
    )


def product_score_history(*, product: DataProduct, limit: int = HISTORY_LENGTH) -> list[dict]:
    """The product's score in its last `limit` finished reports, oldest first."""
    rows = (
        ProductCompliance.objects.filter(product=product, report__finished_at__isnull=False)
        .order_by("-report__started_at", "-report_id")
        .values("report_id", "report__as_of", "score", "compliant")[:limit]
    )
    return [
        {
            "report": r["report_id"],
            "as_of": r["report__as_of"],
            "score": r["score"],
            "compliant": r["compliant"],
        }
        for r in reversed(list(rows))
    ]


def waivers_visible_to(user):
    """Waivers of the products `user` may see (governance leads: all)."""
    return Waiver.objects.filter(product__in=DataProduct.objects.for_user(user).values("pk"))


def live_waivers(*, today: dt.date | None = None):
    today = today or timezone.localdate()
    return Waiver.objects.filter(ended_at__isnull=True, expires_on__gte=today)


def report_summary(report: ComplianceReport) -> dict:
    """The organization's figures of a report, JSON-safe (the API and the command share it)."""
    return {
        "id": report.pk,
        "as_of": report.as_of.isoformat(),
        "trigger": report.trigger,
        "policy_set_version": report.policy_set_version,
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "products": report.product_count,
        "compliant": report.compliant_count,
        "score": report.score,
        "open_violations": report.open_count,
        "by_severity": report.by_severity,
        "by_policy": report.by_policy,
        "waived": report.waived_count,
    }


def report_domains(report: ComplianceReport) -> list[dict]:
    return [
        {
            "domain": s.domain.name,
            "products": s.product_count,
            "compliant": s.compliant_count,
            "score": s.score,
            "by_severity": s.by_severity,
            "by_policy": s.by_policy,
            "waived": s.waived_count,
        }
        for s in report.domains.select_related("domain").order_by("domain__name")
    ]


def product_row(row: ProductCompliance) -> dict:
    return {
        "product": row.product.ref,
        "version": row.version_label,
        "version_status": row.version_status,
        "score": row.score,
        "compliant": row.compliant,
        "by_severity": {
            "critical": row.critical_count,
            "error": row.error_count,
            "warning": row.warning_count,
            "info": row.info_count,
        },
        "waived": row.waived_count,
    }


def violation_row(v) -> dict:
    return {
        "policy": v.policy,
        "severity": v.severity,
        "field": v.field or None,
        "message": v.message,
        "fix": v.fix or None,
        "measured": v.measured,
        "waived": v.waiver_id is not None,
        "waiver": v.waiver_id,
    }


def report_products(report: ComplianceReport, *, with_violations: bool = False, queryset=None):
    """Yield the report's product rows (optionally with their violations), product by product,
    reading in chunks: two queries per 2,000 products."""
    from itertools import islice

    from ..models import ComplianceViolation

    rows = (
        (queryset if queryset is not None else report.products.all())
        .select_related("product__domain")
        .order_by("product__domain__name", "product__name")
    )
    iterator = rows.iterator(chunk_size=2000)
    while chunk := list(islice(iterator, 2000)):
        violations: dict[int, list] = {}
        if with_violations:
            for v in ComplianceViolation.objects.filter(product_report_id__in=[r.pk for r in chunk]).order_by(
                "product_report_id", "position"
            ):
                violations.setdefault(v.product_report_id, []).append(violation_row(v))
        for r in chunk:
            item = product_row(r)
            if with_violations:
                item["violations"] = violations.get(r.pk, [])
            yield item


def product_compliance_context(*, product: DataProduct, sees_details: bool) -> dict:
    """What the product page's compliance panel shows, computed only if the panel renders
    (htmx tab swaps do not). Everyone who sees the product sees its score; owners and
    governance leads (`sees_details`) also see the violations."""
    from django.utils.functional import SimpleLazyObject

    return {
        "compliance": SimpleLazyObject(lambda: product_compliance_now(product=product)),
        "compliance_history": SimpleLazyObject(lambda: product_score_history(product=product, limit=7)),
        "compliance_details": sees_details,
    }
