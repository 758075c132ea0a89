"""Search latency on 100,000 products with 20 fields each (PostgreSQL).

    .venv/bin/python bench/search.py [--database mesh_bench_search] [--products 100000]
                                     [--fields 20] [--repeat 15] [--reuse]

Creates (drops first) the named database on the local PostgreSQL, migrates it and bulk-loads
domains, teams, tags, products, versions and schema fields with COPY (not through the contract
import; each product row written once, with the monitoring columns a sweep would have filled),
then builds the search documents with `catalog.search.search_documents_rebuild()` (the same
code a backfill uses) and folds the facet counts the COPY's triggers wrote (as the beat sweep
does). `--reuse` keeps an already loaded database.

Then, over 20 fixed queries (exact names, prefixes, typos, field names, two-word phrases and
facet filters), it calls the search API view in-process as an analyst (DRF APIRequestFactory;
timing is server-side: view + rendering), with and without facets, and runs the very SQL the
view ran directly on the same connection. It prints p50/p95 of each and their ratio.

Targets: p95 <= 50 ms without facets, <= 100 ms with facets, within 2x of the direct SQL.
"""

import argparse
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import bench_database, setup_django  # noqa: E402

WORDS = [
    "account",
    "active",
    "address",
    "affiliate",
    "agent",
    "allocation",
    "attribution",
    "audit",
    "balance",
    "basket",
    "batch",
    "billing",
    "booking",
    "brand",
    "budget",
    "campaign",
    "cancellation",
    "capacity",
    "card",
    "carrier",
    "cart",
    "catalog",
    "category",
    "channel",
    "churn",
    "claim",
    "click",
    "cohort",
    "commission",
    "complaint",
    "contract",
    "conversion",
    "cost",
    "coupon",
    "credit",
    "currency",
    "customer",
    "daily",
    "delivery",
    "demand",
    "device",
    "discount",
    "dispatch",
    "driver",
    "email",
    "engagement",
    "event",
    "exchange",
    "expense",
    "feedback",
    "forecast",
    "fraud",
    "funnel",
    "gift",
    "grant",
    "hourly",
    "impression",
    "incident",
    "inventory",
    "invoice",
    "item",
    "journal",
    "lead",
    "ledger",
    "lifetime",
    "line",
    "listing",
    "loan",
    "location",
    "loyalty",
    "margin",
    "market",
    "member",
    "merchant",
    "metric",
    "mobile",
    "monthly",
    "network",
    "offer",
    "order",
    "outage",
    "package",
    "page",
    "parcel",
    "partner",
    "payment",
    "payout",
    "pipeline",
    "plan",
    "policy",
    "portfolio",
    "price",
    "product",
    "profit",
    "promotion",
    "purchase",
    "quote",
    "rating",
    "referral",
    "refund",
    "region",
    "renewal",
    "reservation",
    "retention",
    "return",
    "revenue",
    "review",
    "reward",
    "risk",
    "route",
    "sale",
    "schedule",
    "search",
    "segment",
    "session",
    "settlement",
    "shipment",
    "signup",
    "sku",
    "slot",
    "spend",
    "stock",
    "store",
    "subscription",
    "supplier",
    "support",
    "survey",
    "tax",
    "ticket",
    "trade",
    "traffic",
    "transaction",
    "transfer",
    "trial",
    "usage",
    "user",
    "vendor",
    "visit",
    "voucher",
    "wallet",
    "warehouse",
    "web",
    "weekly",
]
FIELD_SUFFIXES = [
    "id",
    "code",
    "name",
    "amount",
    "count",
    "rate",
    "date",
    "at",
    "status",
    "type",
    "score",
    "flag",
]
TYPES = ["string", "integer", "bigint", "double", "decimal(12,2)", "boolean", "date", "timestamp"]
CLASSIFICATIONS = ["public", "internal", "internal", "internal", "confidential", "restricted"]
# What monitoring would have filled in (quality health, freshness), skewed like a real catalog.
QUALITY = ["unknown", "passing", "passing", "passing", "warning", "failing"]
FRESHNESS = ["unknown", "fresh", "fresh", "fresh", "late", "stale"]
PHRASES = [
    "late delivery",
    "gross margin",
    "customer churn",
    "failed payment",
    "repeat purchase",
    "net revenue",
]
KNOWN = [  # (domain, name, description) of products the queries aim at
    ("sales", "customer_orders", "Every order a customer placed, one row per order."),
    ("finance", "invoice_lines", "Lines of every invoice sent, with tax and discounts."),
    ("marketing", "web_sessions", "Sessions on the web shop with their traffic source."),
    ("logistics", "stock_levels", "Stock on hand per warehouse and sku, hourly."),
]
QUERIES = [
    "customer_orders",
    "invoice_lines",
    "web_sessions",
    "stock_levels",  # exact names
    "customer_ord",
    "invoice_l",
    "web_sess",
    "stock_le",  # prefixes
    "custmer_orders",
    "invoce_lines",
    "web_sesions",
    "stok_levels",  # one-letter typos
    "loyalty_tier",
    "carrier_code",
    "vat_rate",  # field names
    '"late delivery"',
    '"gross margin"',
    '"customer churn"',  # two-word phrases
    "orders domain:sales",
    "refund classification:confidential",  # facet filters
]
SPECIAL_FIELDS = ["loyalty_tier", "carrier_code", "vat_rate"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


# The columns of catalog_productversion the loaders COPY, in the order of their version rows.
VERSION_COLUMNS = [
    "id",
    "product_id",
    "version",
    "major",
    "minor",
    "patch",
    "prerelease",
    "status",
    "contract_text",
    "source_format",
    "document",
    "contract",
    "violations",
    "changelog_entry",
    "breaking",
    "published_at",
    "created_by_id",
    "created_at",
    "updated_at",
]


def copy_rows(cursor, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def _copy_value(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def load(n_products: int, n_fields: int, rng: random.Random) -> dict:
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.search import facet_counts_compact, search_documents_rebuild

    now = timezone.now().isoformat()
    timings = {}
    started = time.perf_counter()
    domains = [
        "sales",
        "finance",
        "marketing",
        "logistics",
        "product",
        *(f"domain{i:02d}" for i in range(15)),
    ]
    teams = [(d, f"{d}-team-{j}") for d in domains for j in range(5)]
    tags = [f"tag-{w}" for w in WORDS[:300]]
    field_vocab = [f"{a}_{s}" for a in WORDS for s in FIELD_SUFFIXES]
    rng.shuffle(field_vocab)
    field_vocab = field_vocab[:2000]

    names, seen = [], set()
    for domain, name, description in KNOWN:
        names.append((domain, name, description))
        seen.add((domain, name))
    while len(names) < n_products:
        domain = rng.choice(domains)
        words = rng.sample(WORDS, rng.choice([2, 2, 3]))
        name = "_".join(words)
        if (domain, name) in seen:
            name = f"{name}_{rng.randint(2, 99)}"
            if (domain, name) in seen:
                continue
        seen.add((domain, name))
        phrase = rng.choice(PHRASES) if rng.random() < 0.03 else rng.choice(WORDS)
        description = f"{words[0].capitalize()} {' '.join(words[1:])} data for {domain}: {phrase} by {rng.choice(WORDS)}."
        names.append((domain, name, description))

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg cursor, for COPY
        copy_rows(
            raw,
            "catalog_domain",
            ["id", "name", "bounded_context", "description", "created_at"],
            [(i + 1, d, f"The {d} bounded context", "", now) for i, d in enumerate(domains)],
        )
        domain_id = {d: i + 1 for i, d in enumerate(domains)}
        copy_rows(
            raw,
            "catalog_team",
            ["id", "name", "domain_id", "contact", "slack", "webhook_url", "webhook_secret"],
            [(i + 1, t, domain_id[d], f"{t}@example.com", "", "", "") for i, (d, t) in enumerate(teams)],
        )
        team_ids = {d: [i + 1 for i, (dd, _) in enumerate(teams) if dd == d] for d in domains}
        copy_rows(raw, "catalog_tag", ["id", "name"], [(i + 1, t) for i, t in enumerate(tags)])

        products, versions, fields, product_tags = [], [], [], []
        restricted = []
        for pid, (domain, name, description) in enumerate(names, start=1):
            classification = rng.choice(CLASSIFICATIONS)
            discovery = "restricted" if rng.random() < 0.1 and pid > len(KNOWN) else "public"
            if discovery == "restricted":
                restricted.append(pid)
            # Version pid is the product's current version (the foreign keys are checked at
            # commit), so each product row is written once: no dead row versions to skew the scans.
            products.append(
                [
                    pid,
                    domain_id[domain],
                    name,
                    rng.choice(team_ids[domain]),
                    description,
                    classification,
                    discovery,
                    pid,
                    "",
                    rng.choice(QUALITY),
                    rng.choice(FRESHNESS),
                    "published",
                    False,
                    now,
                    now,
                ]
            )
            readme = f"# {name}\n\nHow to use {name}: join on {name}_id." if rng.random() < 0.2 else None
            contract = json.dumps({"name": name, "domain": domain, "version": "1.0.0", "readme": readme})
            versions.append(
                (
                    pid,
                    pid,
                    "1.0.0",
                    1,
                    0,
                    0,
                    "",
                    "published",
                    f"name: {name}\n",
                    "seed",
                    contract,
                    contract,
                    "[]",
                    "{}",
                    False,
                    now,
                    None,
                    now,
                    now,
                )
            )
            chosen = rng.sample(field_vocab, n_fields - 1)
            if pid % 997 == 0:
                chosen[0] = SPECIAL_FIELDS[pid % 3]
            pii = rng.random() < 0.2
            products[-1][12] = pii and n_fields > 3  # the PII field is the fourth
            for position, field in enumerate([f"{name}_id", *chosen]):
                fields.append(
                    (
                        pid,
                        position,
                        field,
                        rng.choice(TYPES),
                        f"The {field.replace('_', ' ')} of the row",
                        "[]",
                        position == 0,
                        pii and position == 3,
                        "contact" if pii and position == 3 else "",
                    )
                )
            for tag in rng.sample(range(1, len(tags) + 1), rng.randint(1, 3)):
                product_tags.append((pid, tag))
        timings["generate"] = time.perf_counter() - started

        started = time.perf_counter()
        copy_rows(
            raw,
            "catalog_dataproduct",
            [
                "id",
                "domain_id",
                "name",
                "owning_team_id",
                "description",
                "classification",
                "discovery",
                "current_version_id",
                "source",
                "quality_health",
                "freshness_status",
                "version_status",
                "contains_pii",
                "created_at",
                "updated_at",
            ],
            products,
        )
        copy_rows(
            raw,
            "catalog_productversion",
            VERSION_COLUMNS,
            versions,
        )
        copy_rows(
            raw,
            "catalog_schemafield",
            [
                "version_id",
                "position",
                "name",
                "type",
                "description",
                "constraints",
                "is_primary_key",
                "is_pii",
                "pii_category",
            ],
            fields,
        )
        copy_rows(raw, "catalog_dataproduct_tags", ["dataproduct_id", "tag_id"], product_tags)
        # Restricted products are readable by the data scientists' group (guardian object permission).
        group, _ = Group.objects.get_or_create(name="role:data_scientist")
        view = Permission.objects.get(codename="view_dataproduct", content_type__app_label="catalog")
        copy_rows(
            raw,
            "access_dataproductgroupobjectpermission",
            ["group_id", "permission_id", "content_object_id"],
            [(group.pk, view.pk, pid) for pid in restricted],
        )
        for table in (
            "catalog_domain",
            "catalog_team",
            "catalog_tag",
            "catalog_dataproduct",
            "catalog_productversion",
        ):
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        timings["copy"] = time.perf_counter() - started

    started = time.perf_counter()
    documents = search_documents_rebuild(batch_size=2000)
    timings["search_documents"] = time.perf_counter() - started
    # The COPY fired the facet count triggers once per row: fold them as the beat sweep would.
    facet_counts_compact()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["documents"] = documents
    timings["fields"] = len(fields)
    return timings


def run(queries, repeat: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from catalog.api.views import ProductList
    from catalog.people import profile_set

    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    profile_set(user=user, consumer_role="analyst")
    factory = APIRequestFactory()
    view = ProductList.as_view()

    def call(text, facets):
        request = factory.get("/api/v1/products/", {"search": text, "facets": "true" if facets else "false"})
        force_authenticate(request, user=user)
        user.__dict__.pop("_mesh_is_governance_lead", None)  # per-request cache, as a new request would have
        started = time.perf_counter()
        response = view(request)
        response.render()
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        return elapsed, json.loads(response.content)

    def direct(statements):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        return time.perf_counter() - started

    report = {}
    for facets in (False, True):
        view_times, sql_times, per_query = [], [], []
        for text in queries:
            call(text, facets)  # warm
            with CaptureQueriesContext(connection) as ctx:
                _, body = call(text, facets)
            statements = [q["sql"] for q in ctx.captured_queries]  # as sent, parameters bound
            direct(statements)  # warm
            samples, direct_samples = [], []
            for _ in range(repeat):
                samples.append(call(text, facets)[0])
                direct_samples.append(direct(statements))
            view_times += samples
            sql_times += direct_samples
            top = [r["name"] for r in body["results"][:3]]
            per_query.append(
                (
                    text,
                    body["count"],
                    statistics.median(samples),
                    statistics.median(direct_samples),
                    len(statements),
                    top,
                )
            )
        report[facets] = (view_times, sql_times, per_query)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="mesh_bench_search")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it is already loaded")
    args = parser.parse_args()

    rng = random.Random(20261126)
    url = bench_database(args.database, reuse=args.reuse)
    setup_django(url)
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # no query logging in the timed loop (CaptureQueriesContext turns it on itself)
    from catalog.models import DataProduct

    existing = DataProduct.objects.count()
    if existing == 0:
        timings = load(args.products, args.fields, rng)
        print(
            f"loaded {args.products:,} products, {timings['fields']:,} fields: generate {timings['generate']:.1f} s, "
            f"COPY {timings['copy']:.1f} s, search documents {timings['search_documents']:.1f} s "
            f"({timings['documents']:,})"
        )
    else:
        print(f"reusing {existing:,} products in {args.database}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('catalog_searchdocument'))")
        print(f"catalog_searchdocument with indexes: {cursor.fetchone()[0]}")

    report = run(QUERIES, args.repeat)
    ok = True
    for facets, (view_times, sql_times, per_query) in report.items():
        label = "with facets" if facets else "without facets"
        target = 0.100 if facets else 0.050
        print(f"\n== search API {label} ({len(QUERIES)} queries x {args.repeat}) ==")
        print(f"{'query':<38} {'count':>6} {'view ms':>8} {'SQL ms':>7} {'stmts':>5}  top results")
        for text, count, view_ms, sql_ms, statements, top in per_query:
            print(
                f"{text:<38} {count:>6} {view_ms * 1000:>8.1f} {sql_ms * 1000:>7.1f} {statements:>5}  {', '.join(top)}"
            )
        p50, p95 = pct(view_times, 50), pct(view_times, 95)
        s50, s95 = pct(sql_times, 50), pct(sql_times, 95)
        ratio = p95 / s95 if s95 else float("inf")
        print(f"view p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (target <= {target * 1000:.0f} ms)")
        print(
            f"direct SQL p50 {s50 * 1000:.1f} ms, p95 {s95 * 1000:.1f} ms; view/SQL at p95: {ratio:.2f}x (target <= 2x)"
        )
        ok &= p95 <= target and ratio <= 2
    print("\nRESULT:", "all targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
