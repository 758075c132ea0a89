import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.contracts import parse_contract
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


class Command(BaseCommand):
    help = "Import data product contracts from files and folders; each file is stored whole or not at all."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Contract files or folders of them.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and gate, write nothing.")
        parser.add_argument("--strict", action="store_true", help="Fail when a version is kept as a draft.")
        parser.add_argument("--quiet", action="store_true", help="Print only problems and the summary.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        counts: dict[str, int] = {}
        failed = drafts = 0
        loaded = []
        for path in contract_files(options["paths"]):
            text = _read(path)
            if text is None:
                self.stderr.write(f"{path}: not UTF-8 text")
                failed += 1
                continue
            loaded.append((path, text, parse_contract(text, filename=str(path))))
        from governance.selectors import active_policy_params

        policy_params = active_policy_params()  # read once: the whole batch is judged by one policy set
        batch = frozenset(f"{p.contract['domain']}/{p.contract['name']}" for _, _, p in loaded if p.ok)
        for path, text, parsed in upstream_first(loaded):
            outcome = contract_version_submit(
                text=text,
                filename=str(path),
                dry_run=options["dry_run"],
                parsed=parsed,
                batch_refs=batch,
                policy_params=policy_params,
            )
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            for warning in outcome.warnings:
                self.stdout.write(str(warning))
            if not outcome.stored:
                failed += 1
                self.stderr.write(f"{path}: {outcome.message}")
                continue
            if outcome.status == "draft" and outcome.action != Action.UNCHANGED:
                drafts += 1
            if outcome.violations and outcome.action != Action.UNCHANGED:
                for v in outcome.violations:
                    where = f" [{v['field']}]" if v.get("field") else ""
                    self.stdout.write(f"{path}: {v['severity']}: {v['policy']}{where}: {v['message']}")
            if not options["quiet"] or outcome.status == "draft":
                self.stdout.write(f"{path}: {outcome.action}: {outcome.message}")
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {a.replace('_', ' ')}" for a, n in sorted(counts.items())) or "no contracts"
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{summary}; {drafts} kept as draft; {failed} failed ({elapsed:.2f}s)")
        if failed or (options["strict"] and drafts):
            raise CommandError(
                f"{failed} file(s) could not be stored"
                if failed
                else f"{drafts} version(s) kept as draft (--strict)"
            )


def upstream_first(loaded: list) -> list:
    """Order contracts so that a product comes after the upstream products (input ports) it
    reads from the same batch; then their ports link at once. Cycles keep file order."""
    ref_of = {i: f"{p.contract['domain']}/{p.contract['name']}" for i, (_, _, p) in enumerate(loaded) if p.ok}
    index_of = {ref: i for i, ref in ref_of.items()}
    ordered, state = [], {}

    def visit(i: int) -> None:
        if state.get(i):
            return  # done, or on the current path (a cycle)
        state[i] = "visiting"
        parsed = loaded[i][2]
        if parsed.ok:
            for port in parsed.contract["input_ports"]:
                upstream = index_of.get(port["product"])
                if upstream is not None:
                    visit(upstream)
        state[i] = "done"
        ordered.append(loaded[i])

    for i in range(len(loaded)):
        visit(i)
    return ordered


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
