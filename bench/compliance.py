"""Compliance report over 100,000 products on PostgreSQL: how many products per second.

    .venv/bin/python bench/compliance.py [--database mesh_bench_compliance]
                                         [--products 100000] [--reuse] [--repeat 1]

Creates (drops first) the named database, migrates it, loads the example policy file, then
bulk-loads with COPY: 20 domains (the example organization's four, whose domain policies apply,
and sixteen more), 100 teams, and the products, each with one published version whose stored
normalized contract is one of the twelve example contracts renamed into the product's domain
(a fifth of them mutated: no retention, no primary key, or an undeclared PII field, so there are
errors, warnings and criticals to count), a finished quality run with its check results for 30%
of the products (a tenth of those failed), and 500 live waivers.

It then runs `compliance_report_run()` - every product judged against every rule with its
latest run and the waivers (in one worker process per CPU), every row written with COPY - and
prints the wall time, products per second, the CPU time it took and the machine's load (the
figures are only meaningful on an otherwise idle machine), and the report's figures.
Target: under 60 s for 100,000 products on 2 cores.
"""

import argparse
import copy
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import ROOT, bench_database, setup_django  # noqa: E402

POLICY_DOMAINS = ["sales", "finance", "marketing", "product"]
OTHER_DOMAINS = [f"domain{i:02d}" for i in range(16)]


def templates() -> list[dict]:
    from catalog.contracts import parse_contract

    out = []
    for path in sorted((ROOT / "examples" / "contracts").rglob("*.yaml")):
        parsed = parse_contract(path.read_text(), filename=str(path))
        out.append(parsed.contract)
    return out


def mutate(contract: dict, rng: random.Random) -> dict:
    contract = copy.deepcopy(contract)
    kind = rng.randrange(3)
    fields = (contract.get("schema") or {}).get("fields") or []
    if kind == 0:
        contract.pop("retention_days", None)
    elif kind == 1:
        for f in fields:
            f["is_primary_key"] = False
    elif fields:
        fields[-1]["is_pii"] = True
        fields[-1]["pii_category"] = None
    return contract


def load(n_products: int, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone
    from search import VERSION_COLUMNS, copy_rows

    from governance.services import policy_set_load

    started = time.perf_counter()
    policy_file = ROOT / "examples" / "governance_policy.yaml"
    policy_set_load(text=policy_file.read_text(), filename=policy_file.name)
    now = timezone.now()
    iso = now.isoformat()
    domains = POLICY_DOMAINS + OTHER_DOMAINS
    bases = templates()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(
            raw,
            "catalog_domain",
            ["id", "name", "bounded_context", "description", "created_at"],
            [(i + 1, d, "", "", iso) for i, d in enumerate(domains)],
        )
        teams = [(d, f"{d}-team-{j}") for d in domains for j in range(5)]
        copy_rows(
            raw,
            "catalog_team",
            ["id", "name", "domain_id", "contact", "slack", "webhook_url", "webhook_secret"],
            [
                (i + 1, t, domains.index(d) + 1, f"{t}@example.com", "", "", "")
                for i, (d, t) in enumerate(teams)
            ],
        )
        products, versions, runs, results = [], [], [], []
        run_id = result_id = 0
        for pid in range(1, n_products + 1):
            domain_index = rng.randrange(len(domains))
            domain = domains[domain_index]
            base = bases[rng.randrange(len(bases))]
            contract = mutate(base, rng) if rng.random() < 0.2 else dict(base)
            name = f"{contract['name']}_{pid}"
            contract["name"], contract["domain"] = name, domain
            text = json.dumps(contract)
            products.append(
                (
                    pid,
                    domain_index + 1,
                    name,
                    domain_index * 5 + rng.randrange(5) + 1,
                    "",
                    contract.get("classification") or "",
                    "public",
                    None,
                    "",
                    iso,
                    iso,
                    "unknown",
                    "unknown",
                )
            )
            versions.append(
                (
                    pid,
                    pid,
                    contract.get("version") or "1.0.0",
                    1,
                    0,
                    0,
                    "",
                    "published",
                    f"name: {name}\n",
                    "seed",
                    text,
                    text,
                    "[]",
                    "{}",
                    False,
                    iso,
                    None,
                    iso,
                    iso,
                )
            )
            if rng.random() < 0.3:
                run_id += 1
                failed = rng.random() < 0.1
                finished = (now - dt.timedelta(hours=rng.randrange(1, 48))).isoformat()
                runs.append(
                    (
                        run_id,
                        pid,
                        pid,
                        "failed" if failed else "passed",
                        "schedule",
                        1,
                        "",
                        iso,
                        finished,
                        finished,
                    )
                )
                for position, (check, kind, severity) in enumerate(
                    [
                        ("completeness", "completeness", "error"),
                        ("freshness", "freshness", "error"),
                        ("no_negative_amounts", "sql", "critical"),
                    ]
                ):
                    result_id += 1
                    passed = not (failed and position == 2)
                    count = (
                        99.9
                        if kind == "completeness"
                        else 3.0
                        if kind == "freshness"
                        else (0 if passed else 4)
                    )
                    results.append(
                        (result_id, run_id, position, check, kind, "", passed, count, None, severity, "")
                    )
        timings = {"generate": time.perf_counter() - started}
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
                "created_at",
                "updated_at",
                "quality_health",
                "freshness_status",
            ],
            products,
        )
        copy_rows(
            raw,
            "catalog_productversion",
            VERSION_COLUMNS,
            versions,
        )
        raw.execute("UPDATE catalog_dataproduct SET current_version_id = id")
        copy_rows(
            raw,
            "governance_qualityrun",
            [
                "id",
                "product_id",
                "version_id",
                "status",
                "trigger",
                "attempt",
                "error",
                "created_at",
                "started_at",
                "finished_at",
            ],
            runs,
        )
        copy_rows(
            raw,
            "governance_checkresult",
            [
                "id",
                "run_id",
                "position",
                "name",
                "kind",
                '"column"',
                "passed",
                "count",
                "threshold",
                "severity",
                "message",
            ],
            results,
        )
        for table in (
            "catalog_domain",
            "catalog_team",
            "catalog_dataproduct",
            "catalog_productversion",
            "governance_qualityrun",
            "governance_checkresult",
        ):
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["copy"] = time.perf_counter() - started
    timings["runs"] = len(runs)
    return timings


def waive(n: int, rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.models import DataProduct
    from catalog.people import profile_set
    from governance.compliance.services import waiver_create

    lead, _ = get_user_model().objects.get_or_create(username="bench-lead")
    profile_set(user=lead, consumer_role="governance_lead", home_domain=None, is_governance_lead=True)
    lead = get_user_model().objects.get(pk=lead.pk)
    ids = rng.sample(list(DataProduct.objects.values_list("pk", flat=True)), n)
    for product in DataProduct.objects.filter(pk__in=ids).select_related("domain"):
        waiver_create(
            product=product,
            policy="schema_validation",
            reason="bench",
            created_by=lead,
            expires_on=timezone.localdate() + dt.timedelta(days=rng.randrange(1, 60)),
        )


def _cpu_seconds() -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="mesh_bench_compliance")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it is already loaded")
    parser.add_argument(
        "--processes", type=int, default=None, help="worker processes (default: one per CPU, at most 4)"
    )
    args = parser.parse_args()

    rng = random.Random(20261126)
    url = bench_database(args.database, reuse=args.reuse)
    setup_django(url)
    from django.conf import settings

    settings.DEBUG = False
    from catalog.models import DataProduct
    from governance.compliance.services import compliance_report_run
    from governance.models import ComplianceViolation, ProductCompliance

    existing = DataProduct.objects.count()
    if existing == 0:
        timings = load(args.products, rng)
        waive(500, rng)
        print(
            f"loaded {args.products:,} products ({timings['runs']:,} with a finished quality run): "
            f"generate {timings['generate']:.1f} s, COPY {timings['copy']:.1f} s"
        )
    else:
        print(f"reusing {existing:,} products in {args.database}")
    print(f"machine: {os.cpu_count()} CPUs visible, shared with other work (figures are indicative)")

    for attempt in range(1, args.repeat + 1):
        started, cpu = time.perf_counter(), _cpu_seconds()
        report = compliance_report_run(processes=args.processes)
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        violations = ComplianceViolation.objects.filter(report=report).count()
        assert ProductCompliance.objects.filter(report=report).count() == report.product_count
        print(
            f"\nreport {report.pk} (run {attempt}): {report.product_count:,} products judged and stored in "
            f"{elapsed:.1f} s = {report.product_count / elapsed:,.0f} products/s "
            f"({'within' if elapsed < 60 else 'OVER'} the 60 s target)"
        )
        print(
            f"  Python CPU time (this process and its workers; PostgreSQL not included): {cpu:.1f} s = "
            f"{report.product_count / cpu:,.0f} products per CPU-second; load average now "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(
            f"  score {report.score}, {report.compliant_count:,} compliant, {report.open_count:,} open violations "
            f"{report.by_severity}, {report.waived_count:,} waived, {violations:,} violation rows"
        )


if __name__ == "__main__":
    main()
