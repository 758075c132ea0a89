"""Writes for governance. Keyword-only functions named <entity>_<verb>."""

from django.db import IntegrityError, transaction

from access.audit import audit_record

from .models import Policy, PolicySet
from .policies import PolicyDocument, parse_policy_file

# Two concurrent loads may both compute the same next version; the unique constraint on
# PolicySet.version turns the loser into an IntegrityError, and it simply tries again.
_LOAD_ATTEMPTS = 3


def policy_set_load(*, text: str, filename: str, loaded_by=None) -> PolicySet:
    """Store `text` as a new version of the policies, with one Policy row per policy.

    The file is parsed first, so a bad file raises `PolicyFileError` and writes nothing. If the
    newest policy set already has exactly this text, it is returned and nothing is written.
    Otherwise the new PolicySet, its Policy rows and an audit event are written atomically.
    """
    document = parse_policy_file(text, filename)
    for attempt in range(1, _LOAD_ATTEMPTS + 1):
        try:
            return _policy_set_store(document=document, text=text, filename=filename, loaded_by=loaded_by)
        except IntegrityError:
            if attempt == _LOAD_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _policy_set_store(*, document: PolicyDocument, text: str, filename: str, loaded_by) -> PolicySet:
    with transaction.atomic():
        latest = PolicySet.objects.order_by("-version").first()
        if latest is not None and latest.source_text == text:
            return latest
        policy_set = PolicySet.objects.create(
            version=(latest.version + 1) if latest else 1, source_text=text, loaded_by=loaded_by
        )
        Policy.objects.bulk_create(
            Policy(
                policy_set=policy_set,
                kind=entry.kind,
                name=entry.name,
                domain=entry.domain,
                mandatory=entry.mandatory,
                enforcement=entry.enforcement,
                text=entry.text,
                parameters=entry.parameters,
            )
            for entry in document.policies
        )
        audit_record(
            actor=loaded_by,
            action="policy_set.load",
            obj=policy_set,
            after={"version": policy_set.version},
            details={"filename": filename, "policies": len(document.policies)},
        )
        return policy_set
