from django.core.management.base import BaseCommand, CommandError

from catalog.sync import BLOCKING, CREATE, UPDATE, SyncBlocked, sync_apply, sync_plan


class Command(BaseCommand):
    help = (
        "Make the products recorded as coming from DIR match it: new contracts imported, changed ones "
        "versioned through the publish gate, removed ones deprecated. Products from elsewhere are untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", help="A folder of contract files (*.yaml, *.yml, searched recursively)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan and run the gate; write nothing."
        )

    def handle(self, *args, **options):
        try:
            plan = sync_plan(folder=options["folder"])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}plan for {plan.source}:")
        for item in plan.items:
            line = item.line()
            (self.stderr if item.action in BLOCKING else self.stdout).write(line)
            for problem in item.problems:
                self.stderr.write(f"  {problem}")
        try:
            changed = sync_apply(plan=plan, dry_run=options["dry_run"])
        except SyncBlocked as exc:
            for item in exc.items:
                if item not in plan.items:
                    self.stderr.write(item.line())
            raise CommandError(str(exc)) from None
        # Drafts the gate keeps fail the command on every run until the contract is fixed, so CI
        # stays red; an unchanged draft is one an earlier run stored.
        drafts = sum(1 for item in plan.items if item.action == "unchanged" and item.message == "draft")
        for item in changed:
            outcome = item.outcome
            if item.action not in (CREATE, UPDATE) or outcome is None:
                continue
            for warning in outcome.warnings:
                self.stdout.write(str(warning))
            if outcome.blocking_violations:
                drafts += 1
                self.stderr.write(f"{item.file}: {outcome.message}")
                for v in outcome.blocking_violations:
                    where = f" [{v['field']}]" if v.get("field") else ""
                    self.stderr.write(f"  {v['severity']}: {v['policy']}{where}: {v['message']}")
        counts = plan.counts()
        summary = ", ".join(
            f"{counts[a]} {a}" for a in ("create", "update", "deprecate", "unchanged") if a in counts
        )
        self.stdout.write(
            f"{prefix}{summary or 'nothing to sync'}; {drafts} kept as draft by the publish gate"
        )
        if drafts:
            raise CommandError(f"{drafts} contract(s) are drafts: the publish gate blocks them")
