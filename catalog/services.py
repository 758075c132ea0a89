"""Writes to the catalog: importing and publishing contract versions.

`contract_version_submit()` is the one path by which a contract version enters the catalog:
the import command, the upload page, the API and the GitOps sync all call it. It parses,
runs the publish gate, and stores the version with everything derived from it in one
transaction, so a file is stored entirely or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from access.audit import audit_record
from access.permissions import product_permissions_sync

from .contracts import ContractProblem, parse_contract
from .contracts.semver import parse_semver
from .models import (
    AccessRule,
    AlertRule,
    DataProduct,
    Domain,
    InputPort,
    Metric,
    OutputPort,
    ProductVersion,
    QualityCheck,
    SchemaField,
    ServiceLevel,
    Tag,
    Team,
    TeamMembership,
    VersionStatus,
)
from .querysets import user_is_governance_lead
from .search import search_document_refresh


class Action:
    CREATED = "created"  # a new product
    NEW_VERSION = "new_version"
    DRAFT_REPLACED = "draft_replaced"
    UNCHANGED = "unchanged"
    REFUSED = "refused"  # a different contract under a published version
    INVALID = "invalid"  # the contract does not parse or breaks the format


@dataclass
class SubmitOutcome:
    filename: str
    action: str
    product_ref: str = ""
    version: str = ""
    status: str = ""
    problems: list[ContractProblem] = field(default_factory=list)  # format errors
    warnings: list[ContractProblem] = field(default_factory=list)  # format warnings
    violations: list[dict] = field(default_factory=list)  # governance violations
    message: str = ""
    dry_run: bool = False

    @property
    def stored(self) -> bool:
        return self.action in {Action.CREATED, Action.NEW_VERSION, Action.DRAFT_REPLACED, Action.UNCHANGED}

    @property
    def published(self) -> bool:
        return self.status in {VersionStatus.PUBLISHED, VersionStatus.DEPRECATED}

    @property
    def blocking_violations(self) -> list[dict]:
        return [v for v in self.violations if v["severity"] in ("error", "critical")]

    def as_dict(self) -> dict:
        return {
            "file": self.filename,
            "action": self.action,
            "product": self.product_ref,
            "version": self.version,
            "status": self.status,
            "published": self.published,
            "stored": self.stored and not self.dry_run,
            "dry_run": self.dry_run,
            "message": self.message,
            "errors": [p.as_dict() for p in self.problems],
            "warnings": [p.as_dict() for p in self.warnings],
            "violations": self.violations,
        }


class _DryRunRollback(Exception):
    pass


def _evaluate(contract: dict, *, previous: dict | None, today: dt.date, params=None) -> list[dict]:
    from governance.engine import evaluate_contract
    from governance.selectors import active_policy_params

    if params is None:
        params = active_policy_params()
    violations = evaluate_contract(contract, params=params, previous=previous, today=today)
    return [v.as_dict() for v in violations]


def contract_evaluate(
    *, text: str, filename: str = "<contract>", today: dt.date | None = None
) -> SubmitOutcome:
    """Parse and run the publish gate without writing anything (check_contract, dry runs)."""
    parsed = parse_contract(text, filename=filename)
    outcome = SubmitOutcome(
        filename=filename, action=Action.INVALID, problems=parsed.errors, warnings=parsed.warnings
    )
    if not parsed.ok:
        outcome.message = f"{len(parsed.errors)} format error(s)"
        return outcome
    contract = parsed.contract
    outcome.product_ref = f"{contract['domain']}/{contract['name']}"
    outcome.version = contract["version"]
    product = (
        DataProduct.objects.filter(domain__name=contract["domain"], name=contract["name"])
        .select_related("current_version")
        .first()
    )
    previous = _previous_contract(product, contract["version"]) if product else None
    outcome.violations = _evaluate(contract, previous=previous, today=today or timezone.localdate())
    outcome.action = Action.NEW_VERSION
    outcome.status = VersionStatus.DRAFT if outcome.blocking_violations else VersionStatus.PUBLISHED
    outcome.dry_run = True
    return outcome


def contract_version_submit(
    *,
    text: str,
    filename: str = "<contract>",
    user=None,
    source: str | None = None,
    dry_run: bool = False,
    parsed=None,
    expected_ref: str | None = None,
    batch_refs: frozenset[str] = frozenset(),
    policy_params=None,
) -> SubmitOutcome:
    """Parse, gate and store one contract version; atomic. Returns what happened.

    `user` None means a trusted caller (management commands); otherwise the user must own the
    product (or, for a new product, be a member of a team of its domain), checked inside the
    transaction with the product row locked. Raises PermissionDenied when they may not.
    `expected_ref` ("<domain>/<name>"), given by the API, must match the contract's product.
    `batch_refs`: products arriving in the same import, not warned about as missing upstreams.
    `policy_params`: the policies to apply, when a batch has read them once (default: in force now).
    """
    if parsed is None:
        parsed = parse_contract(text, filename=filename)
    outcome = SubmitOutcome(
        filename=filename,
        action=Action.INVALID,
        problems=parsed.errors,
        warnings=list(parsed.warnings),
        dry_run=dry_run,
    )
    if not parsed.ok:
        outcome.message = f"{len(parsed.errors)} format error(s); nothing was stored"
        return outcome
    contract = parsed.contract
    ref = f"{contract['domain']}/{contract['name']}"
    outcome.product_ref, outcome.version = ref, contract["version"]
    if expected_ref is not None and expected_ref != ref:
        outcome.problems = [
            ContractProblem(
                filename, None, None, "name", f"this contract is for {ref}, not {expected_ref}", "error"
            )
        ]
        outcome.message = "the contract names another product"
        return outcome
    outcome.warnings += _upstream_warnings(contract, filename, batch_refs)
    # Two first submissions of one new product race to create it: the loser's INSERT waits for
    # the winner, fails on the unique (domain, name), and is tried once more, now finding the
    # product and locking it like any later submission.
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _submit_locked(
                    outcome, parsed=parsed, text=text, user=user, source=source, params=policy_params
                )
                if dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        return outcome
    return outcome


def _submit_locked(
    outcome: SubmitOutcome, *, parsed, text: str, user, source: str | None, params=None
) -> None:
    contract = parsed.contract
    domain, _ = Domain.objects.get_or_create(name=contract["domain"])
    product = (
        DataProduct.objects.select_for_update(of=("self",))
        .select_related("current_version", "domain")
        .filter(domain=domain, name=contract["name"])
        .first()
    )
    if user is not None:
        _check_may_submit(user=user, domain=domain, product=product)
    team = _team_for(contract, domain)
    created = product is None
    if created:
        product = DataProduct.objects.create(
            domain=domain, name=contract["name"], owning_team=team, source=source or ""
        )
        # Input ports of products that named this one before it existed link to it now.
        InputPort.objects.filter(product_ref=product.ref, upstream__isnull=True).update(upstream=product)
    existing = (
        ProductVersion.objects.select_for_update()
        .filter(product=product, version=contract["version"])
        .first()
    )
    if existing is not None and existing.contract == contract:
        outcome.action, outcome.status = Action.UNCHANGED, existing.status
        outcome.violations = existing.violations
        outcome.message = "identical to the stored version; nothing changed"
        return
    if existing is not None and existing.status != VersionStatus.DRAFT:
        outcome.action, outcome.status = Action.REFUSED, existing.status
        outcome.message = (
            f"version {existing.version} of {product.ref} is {existing.status} and cannot change; "
            "submit the new contract under a new version"
        )
        return

    previous = _previous_contract(product, contract["version"])
    today = timezone.localdate()
    violations = _evaluate(contract, previous=previous, today=today, params=params)
    blocked = any(v["severity"] in ("error", "critical") for v in violations)
    now = timezone.now()
    semver = parse_semver(contract["version"])  # valid: the parser checked it
    changelog_entry = next((c for c in contract["changelog"] if c["version"] == contract["version"]), {})
    values = {
        "major": semver.major,
        "minor": semver.minor,
        "patch": semver.patch,
        "prerelease": semver.prerelease,
        "status": VersionStatus.DRAFT if blocked else VersionStatus.PUBLISHED,
        "contract_text": text,
        "source_format": parsed.format,
        "document": parsed.document,
        "contract": contract,
        "violations": violations,
        "changelog_entry": changelog_entry,
        "breaking": any(v.get("policy") == "breaking_changes" for v in violations)
        or bool(changelog_entry.get("breaking")),
        "published_at": None if blocked else now,
        "created_by": user if getattr(user, "pk", None) else None,
    }
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        version = existing
        _delete_children(version)
        outcome.action = Action.DRAFT_REPLACED
    else:
        version = ProductVersion.objects.create(product=product, version=contract["version"], **values)
        outcome.action = Action.CREATED if created else Action.NEW_VERSION
    _create_children(version, contract)
    outcome.status, outcome.violations = version.status, violations

    replaced = product.current_version
    if not blocked and (replaced is None or semver.sort_key > parse_semver(replaced.version).sort_key):
        product.current_version = version
        if replaced is not None and contract.get("deprecation"):
            replaced.status = VersionStatus.DEPRECATED
            replaced.save(update_fields=["status", "updated_at"])
    _refresh_product(product, team=team, source=source, created=created)
    if not blocked and product.current_version_id == version.pk:
        from governance.tasks import product_published_task  # monitoring: check the new version

        ids = (product.pk, version.pk)
        transaction.on_commit(lambda: product_published_task.delay(*ids), robust=True)
    audit_record(
        actor=user,
        action="version.published" if not blocked else "version.drafted",
        obj=version,
        product=product,
        before={"current_version": replaced.version if replaced else None},
        after={
            "version": version.version,
            "status": version.status,
            "current_version": product.current_version.version if product.current_version else None,
        },
        details={"violations": violations, "action": outcome.action},
    )
    outcome.message = (
        f"published {product.ref}@{version.version}"
        if not blocked
        else f"kept {product.ref}@{version.version} as a draft: {len([v for v in violations if v['severity'] in ('error', 'critical')])} blocking violation(s)"
    )


def _check_may_submit(*, user, domain, product) -> None:
    if user.is_superuser or user_is_governance_lead(user):
        return
    if product is not None:
        if not DataProduct.objects.for_user(user, "change").filter(pk=product.pk).exists():
            raise PermissionDenied("Only the product's owners may publish versions of it.")
        return
    if not TeamMembership.objects.filter(user=user, team__domain=domain).exists():
        raise PermissionDenied("Only members of a team of this domain may create products in it.")


def _team_for(contract: dict, domain: Domain) -> Team:
    owner = contract["owner"]
    team, created = Team.objects.get_or_create(
        name=owner["team"],
        defaults={"domain": domain, "contact": owner.get("contact") or "", "slack": owner.get("slack") or ""},
    )
    if not created:
        changed = []
        for attr in ("contact", "slack"):
            value = owner.get(attr) or ""
            if value and getattr(team, attr) != value:
                setattr(team, attr, value)
                changed.append(attr)
        if changed:
            team.save(update_fields=changed)
    return team


def _previous_contract(product: DataProduct | None, version: str) -> dict | None:
    """The contract a new version is compared with: the current published one."""
    if product is None or product.current_version is None:
        return None
    if product.current_version.version == version:
        return None
    return product.current_version.contract


def _upstream_warnings(contract: dict, filename: str, batch_refs=frozenset()) -> list[ContractProblem]:
    ports = [
        (i, p["product"])
        for i, p in enumerate(contract.get("input_ports", []))
        if p["product"] not in batch_refs
    ]
    if not ports:
        return []
    known = {
        f"{d}/{n}"
        for d, n in DataProduct.objects.filter(
            name__in=[ref.split("/", 1)[-1] for _, ref in ports]
        ).values_list("domain__name", "name")
    }
    return [
        ContractProblem(
            filename,
            None,
            None,
            f"input_ports[{i}].product",
            f"upstream product {ref} is not in the catalog yet; checks reading it will fail until it is",
            "warning",
        )
        for i, ref in ports
        if ref not in known
    ]


def _delete_children(version: ProductVersion) -> None:
    for model in (SchemaField, OutputPort, InputPort, QualityCheck, Metric, AlertRule, AccessRule):
        model.objects.filter(version=version).delete()
    ServiceLevel.objects.filter(version=version).delete()


def _create_children(version: ProductVersion, contract: dict) -> None:
    schema = contract.get("schema") or {}
    SchemaField.objects.bulk_create(
        SchemaField(
            version=version,
            position=i,
            name=f["name"],
            type=f.get("type") or "",
            description=f.get("description") or "",
            constraints=f.get("constraints") or [],
            is_primary_key=bool(f.get("is_primary_key")),
            is_pii=bool(f.get("is_pii")),
            pii_category=f.get("pii_category") or "",
        )
        for i, f in enumerate(schema.get("fields") or [])
    )
    ports = contract.get("output_ports") or []
    if not ports and schema.get("location"):
        ports = [
            {
                "name": schema.get("table") or contract["name"],
                "type": schema.get("type") or "",
                "location": schema["location"],
            }
        ]
    OutputPort.objects.bulk_create(
        OutputPort(
            version=version,
            position=i,
            name=p.get("name") or "",
            type=p.get("type") or "",
            location=p.get("location") or "",
            description=p.get("description") or "",
        )
        for i, p in enumerate(ports)
    )
    inputs = contract.get("input_ports") or []
    if inputs:
        upstream = {
            f"{p.domain.name}/{p.name}": p
            for p in DataProduct.objects.filter(
                name__in=[i["product"].split("/", 1)[-1] for i in inputs]
            ).select_related("domain")
        }
        InputPort.objects.bulk_create(
            InputPort(
                version=version,
                product_ref=i["product"],
                table=i["table"],
                upstream=upstream.get(i["product"]),
            )
            for i in inputs
        )
    sla = contract.get("sla") or {}
    freshness = sla.get("freshness") or {}
    ServiceLevel.objects.create(
        version=version,
        availability=sla.get("availability"),
        freshness_max_age_hours=freshness.get("max_age_hours"),
        update_schedule=freshness.get("update_schedule") or "",
        timestamp_field=freshness.get("timestamp_field") or "",
        completeness_min=(sla.get("completeness") or {}).get("min_threshold"),
    )
    QualityCheck.objects.bulk_create(
        QualityCheck(
            version=version,
            position=i,
            name=c["name"],
            description=c.get("description") or "",
            query=c["query"],
            threshold=c.get("threshold") or 0,
            severity=c.get("severity") or "critical",
        )
        for i, c in enumerate(sla.get("quality_checks") or [])
    )
    observability = contract.get("observability") or {}
    Metric.objects.bulk_create(
        Metric(
            version=version,
            position=i,
            name=m["name"],
            sql=m.get("sql") or "",
            builtin=bool(m.get("builtin")),
        )
        for i, m in enumerate(observability.get("metrics") or [])
    )
    AlertRule.objects.bulk_create(
        AlertRule(
            version=version,
            position=i,
            type=a["type"],
            condition=a["condition"],
            severity=a.get("severity") or "critical",
        )
        for i, a in enumerate(observability.get("alerts") or [])
    )
    access = contract.get("access") or {}
    AccessRule.objects.bulk_create(
        AccessRule(version=version, mode=mode, principal_kind=rule["kind"], principal=rule["value"])
        for mode in ("read", "write")
        for rule in access.get(mode) or []
    )


def _refresh_product(product: DataProduct, *, team: Team, source: str | None, created: bool) -> None:
    """Copy the current (else newest) version's catalog attributes onto the product row."""
    shown = (
        product.current_version
        or product.versions.order_by("-major", "-minor", "-patch", "-created_at").first()
    )
    contract = shown.contract
    product.owning_team = team if shown.contract["owner"]["team"] == team.name else product.owning_team
    product.description = contract.get("description") or ""
    product.classification = contract.get("classification") or ""
    product.discovery = (contract.get("access") or {}).get("discovery") or "public"
    # The search facets' columns (catalog.search.facets), from the same version as the search document.
    product.version_status = (
        product.current_version.status if product.current_version else VersionStatus.DRAFT
    )
    product.contains_pii = shown.fields.filter(is_pii=True).exists()
    if source is not None:
        product.source = source
    product.save()
    tag_names = sorted(set(contract.get("tags") or []))
    if created or set(product.tags.values_list("name", flat=True)) != set(tag_names):
        tags = []
        if tag_names:
            existing = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
            missing = [Tag(name=name) for name in tag_names if name not in existing]
            if missing:
                Tag.objects.bulk_create(missing, ignore_conflicts=True)
                existing = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
            tags = [existing[name] for name in tag_names]
        if created:
            product.tags.add(*tags)
        else:
            product.tags.set(tags)
    read_rules = [(r["kind"], r["value"]) for r in (contract.get("access") or {}).get("read") or []]
    if not (created and product.discovery != "restricted"):  # a new public product has no rows to sync
        product_permissions_sync(
            product=product, read_rules=read_rules if product.discovery == "restricted" else []
        )
    search_document_refresh(product)
