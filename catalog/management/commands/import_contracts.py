import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalog.contracts import parse_contracts
from catalog.contracts.checker import SLUG
from catalog.services import Action, contract_version_submit

CONTRACT_SUFFIXES = {".yaml", ".yml"}


def contract_files(paths: list[str]) -> list[Path]:
    """Contract files named directly, and every *.yaml / *.yml under the named folders."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in CONTRACT_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    return files


class _FileRolledBack(Exception):
    """A product of a multi-product file could not be stored: none of the file is kept."""


class Command(BaseCommand):
    help = (
        "Import data product contracts (the portal's format, ODCS v3.x or Data Contract Specification) "
        "from files and folders; each file is stored whole or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Contract files or folders of them.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and gate, write nothing.")
        parser.add_argument("--strict", action="store_true", help="Fail when a version is kept as a draft.")
        parser.add_argument("--quiet", action="store_true", help="Print only problems and the summary.")
        parser.add_argument(
            "--domain",
            help="The domain of contracts that name none (ODCS and DCS files often do not).",
        )

    def handle(self, *args, **options):
        domain = options["domain"]
        if domain is not None and not SLUG.match(domain):
            raise CommandError(f"--domain {domain!r}: a domain is a slug like 'sales' ([a-z0-9][a-z0-9_-]*)")
        started = time.perf_counter()
        self.counts: dict[str, int] = {}
        self.failed = self.drafts = 0
        units = []
        for path in contract_files(options["paths"]):
            text = _read(path)
            if text is None:
                self.stderr.write(f"{path}: not UTF-8 text")
                self.failed += 1
                continue
            units.append((path, text, parse_contracts(text, filename=str(path), domain=domain)))
        from governance.selectors import active_policy_params

        policy_params = active_policy_params()  # read once: the whole batch is judged by one policy set
        batch = frozenset(
            f"{p.contract['domain']}/{p.contract['name']}" for _, _, parsed in units for p in parsed if p.ok
        )
        for path, text, parsed in upstream_first(units):
            if len(parsed) == 1:
                self.submit(path, text, parsed[0], options, batch, policy_params)
            else:
                self.submit_all(path, text, parsed, options, batch, policy_params)
        elapsed = time.perf_counter() - started
        summary = (
            ", ".join(f"{n} {a.replace('_', ' ')}" for a, n in sorted(self.counts.items())) or "no contracts"
        )
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{summary}; {self.drafts} kept as draft; {self.failed} failed ({elapsed:.2f}s)"
        )
        if self.failed or (options["strict"] and self.drafts):
            raise CommandError(
                f"{self.failed} file(s) could not be stored"
                if self.failed
                else f"{self.drafts} version(s) kept as draft (--strict)"
            )

    def submit(self, path, text, parsed, options, batch, policy_params, *, report=True):
        outcome = contract_version_submit(
            text=text,
            filename=str(path),
            dry_run=options["dry_run"],
            parsed=parsed,
            batch_refs=batch,
            policy_params=policy_params,
        )
        if report:
            self.report(path, outcome, options)
        return outcome

    def report(self, path, outcome, options) -> None:
        self.counts[outcome.action] = self.counts.get(outcome.action, 0) + 1
        for problem in outcome.problems:
            self.stderr.write(str(problem))
        for warning in outcome.warnings:
            self.stdout.write(str(warning))
        if not outcome.stored:
            self.failed += 1
            self.stderr.write(f"{path}: {outcome.message}")
            return
        where = f"{path} ({outcome.product_ref})" if outcome.product_ref else str(path)
        if outcome.status == "draft" and outcome.action != Action.UNCHANGED:
            self.drafts += 1
        if outcome.violations and outcome.action != Action.UNCHANGED:
            for v in outcome.violations:
                field = f" [{v['field']}]" if v.get("field") else ""
                self.stdout.write(f"{where}: {v['severity']}: {v['policy']}{field}: {v['message']}")
        if not options["quiet"] or outcome.status == "draft":
            self.stdout.write(f"{where}: {outcome.action}: {outcome.message}")

    def submit_all(self, path, text, parsed, options, batch, policy_params) -> None:
        """A file that describes several products (an ODCS or DCS contract with several tables):
        every product is stored, or none is."""
        if not all(p.ok for p in parsed):
            for p in parsed:
                for problem in p.problems:
                    (self.stderr if problem.severity == "error" else self.stdout).write(str(problem))
            bad = sum(not p.ok for p in parsed)
            self.counts[Action.INVALID] = self.counts.get(Action.INVALID, 0) + 1
            self.failed += 1
            self.stderr.write(
                f"{path}: {bad} of its {len(parsed)} products have format errors; nothing of this file was stored"
            )
            return
        outcomes = []
        try:
            with transaction.atomic():
                for p in parsed:
                    outcome = self.submit(path, text, p, options, batch, policy_params, report=False)
                    outcomes.append(outcome)
                    if not outcome.stored:
                        raise _FileRolledBack
        except _FileRolledBack:
            for outcome in outcomes:
                for problem in outcome.problems:
                    self.stderr.write(str(problem))
            self.counts[Action.REFUSED] = self.counts.get(Action.REFUSED, 0) + 1
            self.failed += 1
            last = outcomes[-1]
            self.stderr.write(
                f"{path}: {last.product_ref or 'a product'}: {last.message}; nothing of this file was stored"
            )
            return
        for outcome in outcomes:
            self.report(path, outcome, options)


def upstream_first(units: list) -> list:
    """Order files so that a product comes after the upstream products (input ports) it reads
    from the same batch; then their ports link at once. Cycles keep file order. Each unit is
    (path, text, [parsed]): a file may describe several products."""
    index_of = {}
    for i, (_, _, parsed) in enumerate(units):
        for p in parsed:
            if p.ok:
                index_of.setdefault(f"{p.contract['domain']}/{p.contract['name']}", i)
    ordered, state = [], {}

    def visit(i: int) -> None:
        if state.get(i):
            return  # done, or on the current path (a cycle)
        state[i] = "visiting"
        for p in units[i][2]:
            if p.ok:
                for port in p.contract["input_ports"]:
                    upstream = index_of.get(port["product"])
                    if upstream is not None and upstream != i:
                        visit(upstream)
        state[i] = "done"
        ordered.append(units[i])

    for i in range(len(units)):
        visit(i)
    return ordered


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
