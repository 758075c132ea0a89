"""GitOps sync: make the products recorded as coming from a folder match the folder.

`sync_plan(folder=...)` reads and parses every contract file first and compares it with the
catalog, writing nothing: each product becomes one plan item, `create`, `update`, `unchanged`
or `deprecate` (its file was removed), or a blocking problem (`invalid`, `conflict`: a product
recorded as coming from elsewhere, `refused`: a published version's contract changed without a
new version). `sync_apply(plan=...)` then writes, only when nothing blocks, in one transaction:
new and changed contracts go through `catalog.services.contract_version_submit()` (the import
path, the publish gate included) with `source` set to the folder; removed products have their
current version deprecated, never deleted. A product's `source` is the folder's absolute path,
so products imported or uploaded elsewhere are never touched, and a second run plans only
`unchanged` items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction

from access.audit import audit_record

from .contracts import parse_contracts
from .models import DataProduct, ProductVersion, VersionStatus
from .search import search_document_refresh
from .services import Action, SubmitOutcome, contract_version_submit

CREATE, UPDATE, UNCHANGED, DEPRECATE = "create", "update", "unchanged", "deprecate"
INVALID, CONFLICT, REFUSED = "invalid", "conflict", "refused"
BLOCKING = {INVALID, CONFLICT, REFUSED}


@dataclass
class PlanItem:
    action: str
    ref: str = ""
    version: str = ""
    file: str = ""
    message: str = ""
    problems: list[str] = field(default_factory=list)
    text: str = ""
    parsed: object = None
    product_id: int | None = None
    outcome: SubmitOutcome | None = None

    def line(self) -> str:
        what = f"{self.ref}@{self.version}" if self.ref and self.version else self.ref or self.file
        where = f" ({self.file})" if self.file and self.ref else ""
        return f"{self.action:<10} {what}{where}" + (f": {self.message}" if self.message else "")


@dataclass
class SyncPlan:
    source: str
    items: list[PlanItem]

    @property
    def blocked(self) -> list[PlanItem]:
        return [i for i in self.items if i.action in BLOCKING]

    @property
    def changes(self) -> list[PlanItem]:
        return [i for i in self.items if i.action in (CREATE, UPDATE, DEPRECATE)]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.action] = counts.get(item.action, 0) + 1
        return counts


def sync_source(folder: Path | str) -> str:
    """What DataProduct.source records for a synced folder: its absolute, resolved path."""
    return str(Path(folder).resolve())


def sync_plan(*, folder: Path | str) -> SyncPlan:
    """Compare the folder with the catalog; reads only. Raises FileNotFoundError for a missing folder."""
    from .management.commands.import_contracts import contract_files

    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    source = sync_source(path)
    items: list[PlanItem] = []
    by_ref: dict[str, PlanItem] = {}
    for file in contract_files([str(path)]):
        for item in _read_items(file, str(file.relative_to(path))):
            items.append(item)
            if item.action == INVALID:
                continue
            if item.ref in by_ref:
                item.action = INVALID
                item.message = f"{item.ref} is also defined by {by_ref[item.ref].file}; one file per product"
                continue
            by_ref[item.ref] = item

    products = _products(source, by_ref)
    versions = _versions(products, by_ref)
    for ref, item in by_ref.items():
        product = products.get(ref)
        if product is None:
            item.action = CREATE
            continue
        item.product_id = product.pk
        if product.source != source:
            item.action = CONFLICT
            origin = f"'{product.source}'" if product.source else "an import, upload or the API"
            item.message = f"{ref} comes from {origin}, not this folder; sync does not touch it"
            continue
        existing = versions.get((product.pk, item.version))
        if existing is None:
            item.action, item.message = UPDATE, "new version"
        elif existing.contract == item.parsed.contract:
            item.action = UNCHANGED
            item.message = "" if existing.status == VersionStatus.PUBLISHED else existing.status
        elif existing.status == VersionStatus.DRAFT:
            item.action, item.message = UPDATE, "replaces the draft"
        else:
            item.action = REFUSED
            item.message = (
                f"version {item.version} is {existing.status} and its contract changed; "
                "give the changed contract a new version"
            )
    for ref, product in sorted(products.items()):
        if product.source != source or ref in by_ref:
            continue
        current = product.current_version
        item = PlanItem(action=UNCHANGED, ref=ref, product_id=product.pk)
        if current is not None and current.status == VersionStatus.PUBLISHED:
            item.action, item.version, item.message = DEPRECATE, current.version, "its file was removed"
        elif current is not None:
            item.version, item.message = current.version, f"removed from the folder; already {current.status}"
        else:
            item.message = "removed from the folder; no published version to deprecate (drafts are kept)"
        items.append(item)
    return SyncPlan(source=source, items=items)


def parse_file(text: str, filename: str) -> list:
    """Every product a contract file describes, each a ParsedContract (the import path's parser):
    one for the portal's format, one per table for ODCS and DCS files; the sync stores them all
    or, as for any problem, nothing."""
    return parse_contracts(text, filename=filename)


def _read_items(file: Path, name: str) -> list[PlanItem]:
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [PlanItem(action=INVALID, file=name, message=f"not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return [PlanItem(action=INVALID, file=name, message=f"unreadable: {exc.strerror}")]
    items = []
    for parsed in parse_file(text, name):
        if not parsed.ok:
            items.append(
                PlanItem(
                    action=INVALID,
                    file=name,
                    message=f"{len(parsed.errors)} format error(s)",
                    problems=[str(p) for p in parsed.errors],
                )
            )
            continue
        contract = parsed.contract
        items.append(
            PlanItem(
                action="",
                ref=f"{contract['domain']}/{contract['name']}",
                version=contract["version"],
                file=name,
                text=text,
                parsed=parsed,
            )
        )
    return items


def _products(source: str, by_ref: dict[str, PlanItem]) -> dict[str, DataProduct]:
    names = {ref.split("/", 1)[1] for ref in by_ref}
    found = DataProduct.objects.filter(source=source) | DataProduct.objects.filter(name__in=names)
    return {
        p.ref: p
        for p in found.select_related("domain", "current_version").defer(
            "current_version__contract_text", "current_version__document", "current_version__contract"
        )
        if p.source == source or p.ref in by_ref
    }


def _versions(products: dict[str, DataProduct], by_ref: dict[str, PlanItem]) -> dict:
    wanted = {(products[ref].pk, item.version) for ref, item in by_ref.items() if ref in products}
    if not wanted:
        return {}
    rows = ProductVersion.objects.filter(
        product_id__in={pk for pk, _ in wanted}, version__in={v for _, v in wanted}
    ).only("product", "version", "status", "contract")
    return {(v.product_id, v.version): v for v in rows if (v.product_id, v.version) in wanted}


class SyncBlocked(Exception):
    def __init__(self, items: Iterable[PlanItem]):
        self.items = list(items)
        super().__init__(f"{len(self.items)} problem(s) block the sync; nothing was changed")


def sync_apply(*, plan: SyncPlan, dry_run: bool = False) -> list[PlanItem]:
    """Carry out the plan in one transaction (all or nothing); returns the items that changed,
    each create/update with its submit outcome. Raises SyncBlocked, writing nothing, when an
    item blocks. `dry_run` runs the publish gate on the changes and rolls everything back."""
    from governance.selectors import active_policy_params

    if plan.blocked:
        raise SyncBlocked(plan.blocked)
    submits = [i for i in plan.changes if i.action in (CREATE, UPDATE)]
    batch = frozenset(i.ref for i in submits)
    params = active_policy_params()
    # File order is enough: a new product links the input ports that named it earlier in the
    # batch (contract_version_submit does), and the batch's products are not warned about.
    try:
        with transaction.atomic():
            for item in submits:
                item.outcome = contract_version_submit(
                    text=item.text,
                    filename=item.file,
                    source=plan.source,
                    parsed=item.parsed,
                    batch_refs=batch,
                    policy_params=params,
                    dry_run=dry_run,
                )
                created_elsewhere = item.action == CREATE and item.outcome.action != Action.CREATED
                if not item.outcome.stored or created_elsewhere:
                    # The catalog changed between plan and apply (another writer): undo everything.
                    message = item.outcome.message if not created_elsewhere else "created elsewhere meanwhile"
                    raise SyncBlocked(
                        [PlanItem(action=CONFLICT, ref=item.ref, file=item.file, message=message)]
                    )
            if not dry_run:
                for item in plan.changes:
                    if item.action == DEPRECATE:
                        product_deprecate_removed(product_id=item.product_id, source=plan.source)
    except IntegrityError:
        # A product of the plan was inserted by another writer at the same moment.
        raise SyncBlocked(
            [
                PlanItem(
                    action=CONFLICT,
                    message="another writer created a product of this folder meanwhile; run again",
                )
            ]
        ) from None
    return plan.changes


def product_deprecate_removed(*, product_id: int, source: str) -> bool:
    """Deprecate the current version of a synced product whose file left its folder; audited.
    False when there is nothing to do (already deprecated, or the product left the folder's care)."""
    with transaction.atomic():
        product = (
            DataProduct.objects.select_for_update(of=("self",))
            .select_related("domain", "current_version")
            .get(pk=product_id)
        )
        version = product.current_version
        if product.source != source or version is None or version.status != VersionStatus.PUBLISHED:
            return False
        version.status = VersionStatus.DEPRECATED
        version.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            action="version.deprecated",
            obj=version,
            product=product,
            before={"status": VersionStatus.PUBLISHED},
            after={"status": VersionStatus.DEPRECATED},
            details={"reason": f"its contract file was removed from {source}"},
        )
        search_document_refresh(product)
    return True
