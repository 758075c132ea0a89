"""Keeping the search documents fresh: one product when a version is published, or all of
them in batches (backfills, bulk loads)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import (
    F,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import (
    DataProduct,
    ProductVersion,
    SchemaField,
    SearchDocument,
    VersionStatus,
)

from .matching import TS_CONFIG
from .query import normalize

README_INDEX_CHARS = 64 * 1024


def _document_values(product, version, *, fields, tags) -> dict:
    contract = getattr(version, "contract", None) or {}
    readme = contract.get("readme") or ""
    names = [f[0] for f in fields]
    return {
        "name_words": normalize(product.name)[:300],
        "keywords": normalize(" ".join([product.domain.name, product.owning_team.name, *tags, *names])),
        "body": normalize(" ".join([product.description or "", *(f[1] or "" for f in fields)])),
        "readme": normalize(readme[:README_INDEX_CHARS]),
        "has_pii": any(f[2] for f in fields),
        "field_count": len(fields),
    }


def _stored(values: dict) -> dict:
    """The row to store. On PostgreSQL the texts only feed the tsvector, built in the same
    statement; keeping them too would double the row and so the pages a search reads."""
    if connection.vendor != "postgresql":
        return values
    vector = (
        SearchVector(Value(values["name_words"]), weight="A", config=TS_CONFIG)
        + SearchVector(Value(values["keywords"]), weight="B", config=TS_CONFIG)
        + SearchVector(Value(values["body"]), weight="C", config=TS_CONFIG)
        + SearchVector(Value(values["readme"]), weight="D", config=TS_CONFIG)
    )
    return {**values, "keywords": "", "body": "", "readme": "", "vector": vector}


def search_document_refresh(product: DataProduct) -> SearchDocument | None:
    """Rebuild `product`'s search document from its current (else newest) version.

    Called by the publish service in the transaction that changes the product, so search
    never shows a version the catalog does not.
    """
    version = product.current_version or (
        product.versions.order_by("-major", "-minor", "-patch", "-created_at").first()
    )
    if version is None:
        SearchDocument.objects.filter(product=product).delete()
        return None
    with transaction.atomic():
        # The product row locked before its document is written (see search_documents_rebuild).
        product = (
            DataProduct.objects.select_related("domain", "owning_team")
            .select_for_update(of=("self",))
            .get(pk=product.pk)
        )
        fields = list(version.fields.order_by("position").values_list("name", "description", "is_pii"))
        tags = list(product.tags.values_list("name", flat=True))
        doc, _ = SearchDocument.objects.update_or_create(
            product=product, defaults=_stored(_document_values(product, version, fields=fields, tags=tags))
        )
    return doc


def search_documents_rebuild(*, product_ids=None, batch_size: int = 1000) -> int:
    """Rebuild the search documents of many products (all by default) in batches, with a
    fixed number of queries per batch. For backfills and bulk loads; returns the count."""
    products = DataProduct.objects.order_by("pk")
    if product_ids is not None:
        products = products.filter(pk__in=product_ids)
    newest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by(
        "-major", "-minor", "-patch", "-created_at"
    )
    last_pk = 0
    done = 0
    while True:
        batch = list(
            products.filter(pk__gt=last_pk)
            .select_related("domain", "owning_team")
            .annotate(
                shown_id=Coalesce(F("current_version_id"), Subquery(newest.values("pk")[:1])),
                current_status=F("current_version__status"),
            )
            .only(
                "pk",
                "name",
                "description",
                "domain__name",
                "owning_team__name",
                "current_version_id",
                "version_status",
                "contains_pii",
            )[:batch_size]
        )
        if not batch:
            return done
        last_pk = batch[-1].pk
        shown = {p.pk: p.shown_id for p in batch if p.shown_id}
        readmes = dict(
            ProductVersion.objects.filter(pk__in=shown.values()).values_list("pk", "contract__readme")
        )
        fields: dict[int, list] = {}
        for version_id, name, description, is_pii in (
            SchemaField.objects.filter(version_id__in=shown.values())
            .order_by("version_id", "position")
            .values_list("version_id", "name", "description", "is_pii")
        ):
            fields.setdefault(version_id, []).append((name, description, is_pii))
        tags: dict[int, list] = {}
        for product_id, tag in DataProduct.tags.through.objects.filter(dataproduct_id__in=shown).values_list(
            "dataproduct_id", "tag__name"
        ):
            tags.setdefault(product_id, []).append(tag)
        docs = []
        for product in batch:
            version_id = shown.get(product.pk)
            if version_id is None:
                continue
            version = _ReadmeOnly({"readme": readmes.get(version_id) or ""})
            values = _document_values(
                product, version, fields=fields.get(version_id, []), tags=tags.get(product.pk, [])
            )
            docs.append(SearchDocument(product=product, **values))
        with transaction.atomic():
            # The products are locked first, then their documents written, as every write does
            # (a product update's trigger writes its document): one lock order, so no deadlock
            # with monitoring; and a product update waits for the documents this writes, so
            # their trigger-copied columns (PostgreSQL) are never read from before it.
            _products_lock([p.pk for p in batch])
            _facet_columns_update(batch, {d.product_id: d.has_pii for d in docs})
            SearchDocument.objects.filter(pk__in=[p.pk for p in batch]).exclude(pk__in=shown).delete()
            if connection.vendor == "postgresql":
                _documents_upsert_postgres(docs)
            else:
                SearchDocument.objects.bulk_create(
                    docs,
                    update_conflicts=True,
                    unique_fields=["product"],
                    update_fields=[
                        "name_words",
                        "keywords",
                        "body",
                        "readme",
                        "has_pii",
                        "field_count",
                        "refreshed_at",
                    ],
                )
        done += len(docs)


def _products_lock(pks: list[int]) -> None:
    # A no-op on SQLite, which locks the whole database for a write anyway.
    list(DataProduct.objects.filter(pk__in=pks).order_by("pk").select_for_update().values_list("pk"))


def _documents_upsert_postgres(docs: list[SearchDocument]) -> None:
    """Insert or replace the documents in one statement that also builds their tsvectors from
    the texts passed in, storing no texts (as _stored() does): each row is written once (its
    product's columns are updated before, and copied by the insert's trigger), so a rebuild
    leaves no dead row versions behind to bloat the table search reads."""
    if not docs:
        return
    columns = ("name_words", "keywords", "body", "readme")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO catalog_searchdocument
                (product_id, name_words, keywords, body, readme, has_pii, field_count, vector, refreshed_at)
            SELECT d.product_id, d.name_words, '', '', '', d.has_pii, d.field_count,
                   setweight(to_tsvector(%s::regconfig, d.name_words), 'A')
                   || setweight(to_tsvector(%s::regconfig, d.keywords), 'B')
                   || setweight(to_tsvector(%s::regconfig, d.body), 'C')
                   || setweight(to_tsvector(%s::regconfig, d.readme), 'D'),
                   now()
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::boolean[], %s::integer[])
                AS d(product_id, {", ".join(columns)}, has_pii, field_count)
            ON CONFLICT (product_id) DO UPDATE SET
                name_words = EXCLUDED.name_words, keywords = '', body = '', readme = '',
                has_pii = EXCLUDED.has_pii, field_count = EXCLUDED.field_count,
                vector = EXCLUDED.vector, refreshed_at = EXCLUDED.refreshed_at
            """,
            [
                *([TS_CONFIG] * 4),
                [d.product_id for d in docs],
                *([getattr(d, column) for d in docs] for column in columns),
                [d.has_pii for d in docs],
                [d.field_count for d in docs],
            ],
        )


def _facet_columns_update(batch, has_pii: dict[int, bool]) -> None:
    """The products' search facet columns (DataProduct.version_status, contains_pii), as the
    publish service keeps them; only rows that change are written, grouped by their new values
    (at most eight statements)."""
    changes: dict[tuple[str, bool], list[int]] = {}
    for product in batch:
        wanted = (product.current_status or VersionStatus.DRAFT, has_pii.get(product.pk, False))
        if wanted != (product.version_status, product.contains_pii):
            changes.setdefault(wanted, []).append(product.pk)
    for (status, contains_pii), pks in changes.items():
        DataProduct.objects.filter(pk__in=pks).update(version_status=status, contains_pii=contains_pii)


@dataclass
class _ReadmeOnly:
    contract: dict
