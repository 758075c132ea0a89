from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from governance.models import PolicySet
from governance.policies import PolicyFileError
from governance.services import policy_set_load


class Command(BaseCommand):
    help = "Load a governance policy file as the new policy set (nothing changes if its text is already in force)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The policy file (YAML, the seed's governance_policy.yaml format).")
        parser.add_argument("--user", help="Username recorded as the loader.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")

        before = PolicySet.objects.order_by("-version").values_list("version", flat=True).first()
        try:
            policy_set = policy_set_load(text=text, filename=str(path), loaded_by=user)
        except PolicyFileError as exc:
            raise CommandError(str(exc)) from exc

        if policy_set.version == before:
            self.stdout.write(f"{path}: unchanged, policy set v{policy_set.version} already has this text.")
            return
        policies = list(policy_set.policies.order_by("kind", "domain", "name"))
        counts = Counter(p.kind for p in policies)
        summary = ", ".join(
            f"{counts[kind]} {kind}" for kind in ("global", "domain", "automated", "observability")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: loaded policy set v{policy_set.version} ({len(policies)} policies: {summary})."
            )
        )
        for policy in policies:
            self.stdout.write(
                f"  {policy.kind:<13} {policy.domain + '/' if policy.domain else ''}{policy.name}"
            )
