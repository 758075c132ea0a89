"""Catalog API latency for an analyst holding 1,000 grants, among 500,000 grants (PostgreSQL).

    .venv/bin/python bench/access.py [--database mesh_bench_access] [--users 10000]
                                     [--products 100000] [--grants 500000] [--repeat 20] [--reuse]

Creates (drops first) the named database, migrates it, bulk-loads the catalog with the search
benchmark's loader (`bench/search.py: load`, 3 fields per product, 10% `discovery: restricted`),
then with COPY: users with profiles and role groups, and for every grant the approved
AccessRequest it comes from, the AccessGrant (10% revoked, 5% past their end date but not yet
swept) and the guardian user permissions (`view_dataproduct` + `read_data`) of the live ones,
exactly what `access.services` writes. The benchmark analyst holds 1,000 grants, 800 of them on
restricted products that only the grant makes visible.

It then calls the catalog API view (/api/v1/products/) in-process as that analyst (DRF
APIRequestFactory; view + rendering) over several parameter sets, and prints p50/p95, the
number of SQL statements per call, and the same for /api/v1/grants/ and the inbox count.

Target: p95 <= 100 ms for /api/v1/products/.
"""

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import bench_database, setup_django  # noqa: E402

ANALYST_GRANTS = 1_000
CATALOG_CALLS = [
    {},
    {"page": "20"},
    {"facets": "true"},
    {"search": "order"},
    {"search": "customer_orders"},
    {"classification": "restricted"},
    {"classification": "restricted", "facets": "true"},
    {"domain": "sales"},
]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def load_access(n_users: int, n_grants: int, rng: random.Random) -> dict:
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction
    from django.utils import timezone
    from search import copy_rows

    started = time.perf_counter()
    now = timezone.now()
    iso = now.isoformat()
    past = (now - dt.timedelta(days=1)).isoformat()
    future = (now + dt.timedelta(days=180)).isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, discovery FROM catalog_dataproduct")
        rows = cursor.fetchall()
    restricted = [pid for pid, d in rows if d == "restricted"]
    public = [pid for pid, d in rows if d != "restricted"]
    roles = ["analyst", "data_scientist", "data_engineer", "analytics_engineer"]
    groups = {r: Group.objects.get_or_create(name=f"role:{r}")[0].pk for r in roles}
    view = Permission.objects.get(codename="view_dataproduct", content_type__app_label="catalog").pk
    read = Permission.objects.get(codename="read_data", content_type__app_label="catalog").pk

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        users = [
            (
                uid,
                "!",
                None,
                False,
                f"user{uid}" if uid > 1 else "bench-analyst",
                "",
                "",
                f"user{uid}@example.com",
                False,
                True,
                iso,
            )
            for uid in range(1, n_users + 1)
        ]
        copy_rows(
            raw,
            "auth_user",
            [
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            users,
        )
        role_of = {uid: "analyst" if uid == 1 else rng.choice(roles) for uid in range(1, n_users + 1)}
        copy_rows(
            raw,
            "catalog_profile",
            ["user_id", "consumer_role", "home_domain_id", "is_governance_lead"],
            [(uid, role_of[uid], None, False) for uid in role_of],
        )
        copy_rows(
            raw, "auth_user_groups", ["user_id", "group_id"], [(uid, groups[role_of[uid]]) for uid in role_of]
        )

        pairs = set()
        on_restricted = min(800, len(restricted))
        analyst = rng.sample(restricted, on_restricted) + rng.sample(public, ANALYST_GRANTS - on_restricted)
        pairs.update((pid, 1) for pid in analyst)
        all_products = public + restricted
        while len(pairs) < n_grants:
            pairs.add((rng.choice(all_products), rng.randint(2, n_users)))
        requests, grants, perms = [], [], []
        for gid, (pid, uid) in enumerate(sorted(pairs, key=lambda p: (p[1], p[0])), start=1):
            roll = rng.random() if uid != 1 else 1.0
            revoked = roll < 0.10
            expired = 0.10 <= roll < 0.15
            requests.append(
                (
                    gid,
                    pid,
                    uid,
                    "read",
                    "Benchmark",
                    "",
                    future if not expired else past,
                    "approved",
                    "auto: bench",
                    False,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "",
                    iso,
                    iso,
                )
            )
            grants.append(
                (
                    gid,
                    pid,
                    uid,
                    "read",
                    None,
                    gid,
                    iso,
                    past if expired else future,
                    iso if revoked else None,
                    None,
                    "revoked" if revoked else "",
                )
            )
            if not revoked:  # expired-but-unswept grants keep their rows until the sweep
                perms.append((uid, view, pid))
                perms.append((uid, read, pid))
        copy_rows(
            raw,
            "access_accessrequest",
            [
                "id",
                "product_id",
                "requester_id",
                "level",
                "purpose",
                "note",
                "expires_at",
                "status",
                "decided_rule",
                "needs_governance",
                "renews_id",
                "owner_decided_by_id",
                "owner_decided_at",
                "governance_decided_by_id",
                "governance_decided_at",
                "comment",
                "created_at",
                "updated_at",
            ],
            requests,
        )
        copy_rows(
            raw,
            "access_accessgrant",
            [
                "id",
                "product_id",
                "user_id",
                "level",
                "granted_by_id",
                "request_id",
                "created_at",
                "expires_at",
                "revoked_at",
                "revoked_by_id",
                "end_reason",
            ],
            grants,
        )
        copy_rows(
            raw,
            "access_dataproductuserobjectpermission",
            ["user_id", "permission_id", "content_object_id"],
            perms,
        )
        for table in ("auth_user", "access_accessrequest", "access_accessgrant"):
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"seconds": time.perf_counter() - started, "grants": len(grants), "perms": len(perms)}


def timed(view, factory, user, path, params, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import force_authenticate

    def call():
        request = factory.get(path, params)
        force_authenticate(request, user=user)
        user.__dict__.pop("_mesh_is_governance_lead", None)  # a per-request cache
        started = time.perf_counter()
        response = view(request)
        response.render()
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        return elapsed, json.loads(response.content)

    call()  # warm
    with CaptureQueriesContext(connection) as ctx:
        _, body = call()
    samples = [call()[0] for _ in range(repeat)]
    return samples, len(ctx.captured_queries), body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="mesh_bench_access")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it is already loaded")
    args = parser.parse_args()

    rng = random.Random(20261126)
    url = bench_database(args.database, reuse=args.reuse)
    setup_django(url)
    from django.conf import settings

    settings.DEBUG = False
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory
    from search import load as load_catalog

    from access.api import GrantList
    from access.models import AccessGrant
    from access.selectors import inbox_count
    from catalog.api.views import ProductList
    from catalog.models import DataProduct

    if DataProduct.objects.count() == 0:
        t = load_catalog(args.products, 3, rng)
        print(
            f"catalog: {args.products:,} products: COPY {t['copy']:.1f} s, search documents {t['search_documents']:.1f} s"
        )
        t = load_access(args.users, args.grants, rng)
        print(
            f"access: {args.users:,} users, {t['grants']:,} grants, {t['perms']:,} permission rows in {t['seconds']:.1f} s"
        )
    else:
        print(f"reusing {DataProduct.objects.count():,} products, {AccessGrant.objects.count():,} grants")

    user = get_user_model().objects.get(username="bench-analyst")
    held = AccessGrant.objects.active().filter(user=user).count()
    visible = DataProduct.objects.for_user(user).count()
    print(f"bench-analyst: {held:,} live grants, {visible:,} visible products")
    factory = APIRequestFactory()

    view = ProductList.as_view()
    all_samples = []
    print(
        f"\n== GET /api/v1/products/ as bench-analyst ({len(CATALOG_CALLS)} parameter sets x {args.repeat}) =="
    )
    print(f"{'parameters':<48} {'count':>7} {'p50 ms':>7} {'p95 ms':>7} {'stmts':>5}")
    for params in CATALOG_CALLS:
        samples, statements, body = timed(view, factory, user, "/api/v1/products/", params, args.repeat)
        all_samples += samples
        label = "&".join(f"{k}={v}" for k, v in params.items()) or "(none)"
        print(
            f"{label:<48} {body['count']:>7} {statistics.median(samples) * 1000:>7.1f} "
            f"{pct(samples, 95) * 1000:>7.1f} {statements:>5}"
        )
    p50, p95 = pct(all_samples, 50), pct(all_samples, 95)
    print(f"ALL: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (target p95 <= 100 ms)")

    samples, statements, body = timed(GrantList.as_view(), factory, user, "/api/v1/grants/", {}, args.repeat)
    print(
        f"\nGET /api/v1/grants/: p50 {statistics.median(samples) * 1000:.1f} ms, p95 {pct(samples, 95) * 1000:.1f} ms, "
        f"{statements} statements, count {body['count']}"
    )
    started = time.perf_counter()
    for _ in range(args.repeat):
        inbox_count(user)
    print(f"inbox_count: {(time.perf_counter() - started) / args.repeat * 1000:.1f} ms per call")

    ok = p95 <= 0.100
    print("\nRESULT:", "target met" if ok else "target missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
