"""Writes for compliance: reports, waivers and the daily waiver sweep. Keyword-only functions
named <entity>_<verb>; every waiver change writes its audit row in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ExpressionWrapper, F, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.audit import audit_record
from catalog.models import DataProduct, ProductVersion
from catalog.querysets import user_is_governance_lead
from catalog.selectors import product_owner_emails

from ..models import (
    RUN_FINISHED,
    CheckResult,
    ComplianceDomainSummary,
    ComplianceReport,
    ComplianceTrigger,
    ComplianceViolation,
    ProductCompliance,
    QualityRun,
    Waiver,
    WaiverEnd,
)
from ..policies import PolicyParams
from ..rules import PRE_PUBLISH_RULES
from ..selectors import active_policy_params
from .evaluate import ProductJudgement, judge_product
from .scoring import SEVERITIES, mean_score

CHUNK = 2000
WRITE_BATCH = 5000
WAIVER_MAX_DAYS = 366
REMINDER_DAYS = 7
# Every policy a violation can carry: the pre-publish rules' and the measured rules'.
WAIVABLE_POLICIES = tuple(sorted({rule.policy for rule in PRE_PUBLISH_RULES}))


class WaiverError(Exception):
    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class WaiverConflict(WaiverError):
    code = "conflict"
    status_code = 409


# --- reports ---------------------------------------------------------------------------------------


def compliance_report_run(
    *,
    trigger: str = ComplianceTrigger.MANUAL,
    requested_by=None,
    now: dt.datetime | None = None,
    processes: int | None = None,
) -> ComplianceReport:
    """Evaluate every product's current version (its newest draft when none is published) against
    every rule, with the measured values of its latest finished quality run and the waivers in
    force on `now`'s date; store one row per product, its violations, a summary per domain and one
    for the organization. One transaction: a report is complete or absent, never half written.

    Reads and writes in chunks of products (a fixed number of queries per chunk), so the cost is
    linear in products and no query is issued per product. From PARALLEL_FROM products on, the
    chunks are judged in `processes` worker processes (default: one per CPU, at most 4) while this
    one writes (governance.compliance.parallel).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    params = active_policy_params()
    waivers = waivers_in_force(day=today)
    with transaction.atomic():
        report = ComplianceReport.objects.create(
            as_of=today,
            trigger=trigger,
            requested_by=requested_by if getattr(requested_by, "pk", None) else None,
            policy_set_version=params.version,
            started_at=now,
        )
        domains: dict[int, _Tally] = defaultdict(_Tally)
        organization = _Tally()
        ranges = product_ranges()
        if _processes(processes, ranges) > 1:
            from .parallel import judge_in_processes

            chunks = judge_in_processes(
                ranges=ranges, waivers=waivers, today=today, processes=_processes(processes, ranges)
            )
        else:
            chunks = (
                judge_range(after=a, last=b, params=params, waivers=waivers, today=today) for a, b in ranges
            )
        for judgements in chunks:
            _store(report=report, judgements=judgements)
            for j in judgements:
                domains[j.domain_id].add(j)
                organization.add(j)
        ComplianceDomainSummary.objects.bulk_create(
            ComplianceDomainSummary(report=report, domain_id=domain_id, **tally.fields())
            for domain_id, tally in sorted(domains.items())
        )
        for name, value in organization.fields().items():
            setattr(report, name, value)
        report.finished_at = max(now, timezone.now())
        report.save()
    return report


PARALLEL_FROM = 20_000


def _processes(requested: int | None, ranges: list) -> int:
    import os

    if requested is None:
        if len(ranges) * CHUNK < PARALLEL_FROM:
            return 1
        requested = min(os.cpu_count() or 1, 4)
    return max(1, min(requested, len(ranges)))


class _Tally:
    __slots__ = ("compliant", "policies", "scores", "severities", "waived")

    def __init__(self):
        self.scores: list[float] = []
        self.compliant = 0
        self.severities: Counter = Counter()
        self.policies: Counter = Counter()
        self.waived = 0

    def add(self, j: ProductJudgement) -> None:
        self.scores.append(j.score)
        self.compliant += j.compliant
        for v in j.violations:
            if v.waived:
                self.waived += 1
            else:
                self.severities[v.severity] += 1
                if v.severity != "info":
                    self.policies[v.policy] += 1

    def fields(self) -> dict:
        return {
            "product_count": len(self.scores),
            "compliant_count": self.compliant,
            "score": mean_score(self.scores),
            "by_severity": {s: self.severities.get(s, 0) for s in SEVERITIES},
            "by_policy": dict(sorted(self.policies.items())),
            "waived_count": self.waived,
        }


def product_ranges(*, size: int | None = None) -> list[tuple[int, int]]:
    """The products as (after_pk, last_pk] ranges of `size` (CHUNK) products, in pk order."""
    size = size or CHUNK
    pks = list(DataProduct.objects.order_by("pk").values_list("pk", flat=True))
    return [(pks[i - 1] if i else 0, pks[min(i + size, len(pks)) - 1]) for i in range(0, len(pks), size)]


def judge_range(
    *, after: int, last: int, params: PolicyParams, waivers: dict, today: dt.date
) -> list[ProductJudgement]:
    """Judge the products with after < pk <= last (one chunk): four queries, none per product."""
    newest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by(
        "-major", "-minor", "-patch", "-created_at"
    )
    latest_run = QualityRun.objects.filter(product=OuterRef("pk"), status__in=RUN_FINISHED).order_by(
        "-finished_at", "-id"
    )
    rows = list(
        DataProduct.objects.filter(pk__gt=after, pk__lte=last)
        .annotate(
            evaluated=Coalesce(F("current_version_id"), Subquery(newest.values("pk")[:1])),
            run=Subquery(latest_run.values("pk")[:1]),
        )
        .order_by("pk")
        .values_list("pk", "domain_id", "evaluated", "run")
    )
    versions = {
        pk: (label, status, contract)
        for pk, label, status, contract in ProductVersion.objects.filter(
            pk__in=[r[2] for r in rows if r[2] is not None]
        )
        .annotate(judged=_contract_for_rules())
        .values_list("pk", "version", "status", "judged")
    }
    summaries = run_summaries(run_ids=[r[3] for r in rows if r[3] is not None])
    judgements = []
    for product_id, domain_id, version_id, run_id in rows:
        if version_id is None:
            continue  # a product without any version has nothing to judge
        label, status, contract = versions[version_id]
        judgements.append(
            judge_product(
                product_id=product_id,
                domain_id=domain_id,
                version_id=version_id,
                version_label=label,
                version_status=status,
                contract=contract,
                params=params,
                run_summary=summaries.get(run_id),
                waivers=waivers.get(product_id, {}),
                today=today,
            )
        )
    return judgements


# Top-level contract keys no rule reads when judging a current version (prose, history, ports):
# on PostgreSQL they are dropped in the query, so a report decodes less JSON.
_UNJUDGED_KEYS = ("readme", "description", "changelog", "examples", "tags", "owner", "access", "lineage")


def _contract_for_rules():
    if connection.vendor != "postgresql":
        return F("contract")
    return ExpressionWrapper(
        RawSQL("catalog_productversion.contract - %s::text[]", (list(_UNJUDGED_KEYS),)),
        output_field=models.JSONField(),
    )


def run_summaries(*, run_ids: list[int]) -> dict[int, dict]:
    """`governance.checks.service.run_summary` for many runs in two queries, keyed by run id."""
    if not run_ids:
        return {}
    summaries = {
        pk: {
            "run_id": pk,
            "status": status,
            "finished_at": finished_at.isoformat() if finished_at else None,
            "error": error,
            "checks": [],
        }
        for pk, status, finished_at, error in QualityRun.objects.filter(pk__in=run_ids).values_list(
            "pk", "status", "finished_at", "error"
        )
    }
    for result in (
        CheckResult.objects.filter(run_id__in=run_ids)
        .order_by("run_id", "position")
        .values("run_id", "name", "kind", "passed", "count", "threshold", "severity")
    ):
        summaries[result.pop("run_id")]["checks"].append(result)
    return summaries


def waivers_in_force(*, day: dt.date, product_ids=None) -> dict[int, dict[str, int]]:
    """{product id: {policy: waiver id}} for the waivers that apply on `day` (the last day included)."""
    qs = Waiver.objects.filter(ended_at__isnull=True, expires_on__gte=day)
    if product_ids is not None:
        qs = qs.filter(product_id__in=product_ids)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, product_id, policy in qs.values_list("pk", "product_id", "policy"):
        out[product_id][policy] = pk
    return out


def _store(*, report: ComplianceReport, judgements: list[ProductJudgement]) -> None:
    if connection.vendor == "postgresql":
        _store_copy(report=report, judgements=judgements)
        return
    rows = ProductCompliance.objects.bulk_create(
        [
            ProductCompliance(
                report=report,
                product_id=j.product_id,
                domain_id=j.domain_id,
                version_id=j.version_id,
                version_label=j.version_label,
                version_status=j.version_status,
                score=j.score,
                compliant=j.compliant,
                critical_count=j.counts["critical"],
                error_count=j.counts["error"],
                warning_count=j.counts["warning"],
                info_count=j.counts["info"],
                waived_count=j.waived_count,
            )
            for j in judgements
        ],
        batch_size=WRITE_BATCH,
    )
    ComplianceViolation.objects.bulk_create(
        (
            ComplianceViolation(
                report=report,
                product_report_id=row.pk,
                product_id=j.product_id,
                domain_id=j.domain_id,
                position=position,
                policy=v.policy,
                severity=v.severity,
                field=(v.field or "")[:300],
                message=v.message,
                fix=v.fix or "",
                measured=v.measured,
                waiver_id=v.waiver_id,
            )
            for row, j in zip(rows, judgements, strict=True)
            for position, v in enumerate(j.violations)
        ),
        batch_size=WRITE_BATCH,
    )


_PRODUCT_COLUMNS = (
    "id",
    "report_id",
    "product_id",
    "domain_id",
    "version_id",
    "version_label",
    "version_status",
    "score",
    "compliant",
    "critical_count",
    "error_count",
    "warning_count",
    "info_count",
    "waived_count",
)
_VIOLATION_COLUMNS = (
    "report_id",
    "product_report_id",
    "product_id",
    "domain_id",
    "position",
    "policy",
    "severity",
    "field",
    "message",
    "fix",
    "measured",
    "waiver_id",
)


def _store_copy(*, report: ComplianceReport, judgements: list[ProductJudgement]) -> None:
    """The same rows as the bulk_create path, written with COPY: ids are taken from the
    sequence first so the violations can point at their product rows in the same pass."""
    if not judgements:
        return
    product_table = ProductCompliance._meta.db_table
    violation_table = ComplianceViolation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [product_table, len(judgements)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY {product_table} ({', '.join(_PRODUCT_COLUMNS)}) FROM STDIN") as copy:
            for pk, j in zip(ids, judgements, strict=True):
                c = j.counts
                copy.write_row(
                    (
                        pk,
                        report.pk,
                        j.product_id,
                        j.domain_id,
                        j.version_id,
                        j.version_label,
                        j.version_status,
                        j.score,
                        j.compliant,
                        c["critical"],
                        c["error"],
                        c["warning"],
                        c["info"],
                        j.waived_count,
                    )
                )
        with raw.copy(f"COPY {violation_table} ({', '.join(_VIOLATION_COLUMNS)}) FROM STDIN") as copy:
            for pk, j in zip(ids, judgements, strict=True):
                for position, v in enumerate(j.violations):
                    copy.write_row(
                        (
                            report.pk,
                            pk,
                            j.product_id,
                            j.domain_id,
                            position,
                            v.policy,
                            v.severity,
                            (v.field or "")[:300],
                            v.message,
                            v.fix or "",
                            v.measured,
                            v.waiver_id,
                        )
                    )


def compliance_report_enqueue(*, requested_by=None) -> None:
    """Run a report on a worker once the current transaction commits (the dashboard's button)."""
    from .tasks import compliance_report_task

    user_id = getattr(requested_by, "pk", None)
    transaction.on_commit(lambda: compliance_report_task.delay(ComplianceTrigger.MANUAL, user_id))


# --- waivers ---------------------------------------------------------------------------------------


def waiver_create(
    *, product: DataProduct, policy: str, reason: str, expires_on: dt.date, created_by, now=None
) -> Waiver:
    """A governance lead waives `policy` for `product` until `expires_on` (the last day it applies).

    Refused: non-leads (PermissionDenied), an unknown policy, an empty reason, a date in the past
    or more than WAIVER_MAX_DAYS ahead (WaiverError naming the field), a second live waiver of the
    same policy on the product (WaiverConflict). A live waiver whose date has passed but that the
    sweep has not recorded yet is ended (audited as expired) first.
    """
    if not user_is_governance_lead(created_by):
        raise PermissionDenied("Only governance leads may grant waivers.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = (policy or "").strip()
    reason = (reason or "").strip()
    if policy not in WAIVABLE_POLICIES:
        raise WaiverError(
            f"Unknown policy {policy!r}; one of: {', '.join(WAIVABLE_POLICIES)}.", field="policy"
        )
    if not reason:
        raise WaiverError("Say why the business needs this exception.", field="reason")
    if expires_on < today:
        raise WaiverError(f"The end date {expires_on} is in the past.", field="expires_on")
    if expires_on > today + dt.timedelta(days=WAIVER_MAX_DAYS):
        raise WaiverError(f"A waiver lasts at most {WAIVER_MAX_DAYS} days.", field="expires_on")
    try:
        with transaction.atomic():
            for stale in Waiver.objects.select_for_update().filter(
                product=product, policy=policy, ended_at__isnull=True, expires_on__lt=today
            ):
                _waiver_end(waiver=stale, reason=WaiverEnd.EXPIRED, actor=None, now=now)
            waiver = Waiver.objects.create(
                product=product, policy=policy, reason=reason, expires_on=expires_on, created_by=created_by
            )
            audit_record(
                actor=created_by, action="waiver.create", obj=waiver, product=product, after=waiver.snapshot()
            )
    except IntegrityError as exc:
        raise WaiverConflict(
            f"{product.ref} already has a live waiver of {policy}; revoke it first.", field="policy"
        ) from exc
    return waiver


def waiver_revoke(*, waiver_id: int, revoked_by, now=None) -> Waiver:
    """End a waiver now (governance leads); its violations count again from the next evaluation."""
    if not user_is_governance_lead(revoked_by):
        raise PermissionDenied("Only governance leads may revoke waivers.")
    now = now or timezone.now()
    with transaction.atomic():
        waiver = (
            Waiver.objects.select_for_update(of=("self",)).select_related("product__domain").get(pk=waiver_id)
        )
        if waiver.ended_at is not None:
            raise WaiverConflict("This waiver has already ended.")
        _waiver_end(waiver=waiver, reason=WaiverEnd.REVOKED, actor=revoked_by, now=now)
    return waiver


def _waiver_end(*, waiver: Waiver, reason: str, actor, now) -> None:
    before = waiver.snapshot()
    waiver.ended_at, waiver.end_reason = now, reason
    waiver.ended_by = actor if getattr(actor, "pk", None) else None
    waiver.save(update_fields=["ended_at", "end_reason", "ended_by"])
    audit_record(
        actor=actor,
        action=f"waiver.{'revoke' if reason == WaiverEnd.REVOKED else 'expire'}",
        obj=waiver,
        product=waiver.product,
        before=before,
        after=waiver.snapshot(),
    )


def waivers_sweep(*, now=None) -> dict:
    """The daily sweep: record (and audit) the end of waivers past their date, and email the
    owners of products whose waiver ends within REMINDER_DAYS, once per waiver.

    Reads never wait for this sweep (they compare dates). Each reminder is claimed with a
    conditional UPDATE, so two sweeps never send the same reminder twice.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired = []
    with transaction.atomic():
        for waiver in (
            Waiver.objects.select_for_update(of=("self",))
            .filter(ended_at__isnull=True, expires_on__lt=today)
            .select_related("product__domain")
        ):
            _waiver_end(waiver=waiver, reason=WaiverEnd.EXPIRED, actor=None, now=now)
            expired.append(waiver.pk)
    reminded = []
    due = Waiver.objects.filter(
        ended_at__isnull=True,
        reminder_sent_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=REMINDER_DAYS),
    ).values_list("pk", flat=True)
    for waiver_id in list(due):
        with transaction.atomic():
            claimed = Waiver.objects.filter(pk=waiver_id, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if not claimed:
                continue
            waiver = Waiver.objects.select_related("product__domain", "product__owning_team").get(
                pk=waiver_id
            )
            recipients = product_owner_emails(waiver.product)
            audit_record(
                actor=None,
                action="waiver.remind",
                obj=waiver,
                product=waiver.product,
                details={"recipients": recipients, "expires_on": waiver.expires_on.isoformat()},
            )
            transaction.on_commit(
                lambda w=waiver, r=recipients, t=today: _send_reminder(waiver=w, recipients=r, today=t)
            )
            reminded.append(waiver_id)
    return {"expired": expired, "reminded": reminded}


def _send_reminder(*, waiver: Waiver, recipients: list[str], today: dt.date) -> int:
    days = (waiver.expires_on - today).days
    subject = (
        f"[Mesh Portal] The waiver of {waiver.policy} on {waiver.product.ref} ends on {waiver.expires_on}"
    )
    body = (
        f"The governance waiver of policy {waiver.policy} for {waiver.product.ref} applies until "
        f"{waiver.expires_on} ({days} day{'s' if days != 1 else ''} from now).\n"
        f"Reason given: {waiver.reason}\n\n"
        "From the day after, the product's violations of this policy count again in its compliance "
        "score. Fix them before then, or ask a governance lead for a new waiver.\n"
    )
    return sum(send_mail(subject, body, None, [address]) for address in recipients)
