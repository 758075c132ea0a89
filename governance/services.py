"""Writes for governance. Keyword-only functions named <entity>_<verb>."""

from django.core.exceptions import PermissionDenied
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


def policy_parameters_update(*, policy: Policy, parameters: dict, user) -> PolicySet:
    """Edit one policy's structured parameters: a new policy-set version, audited.

    The newest set's policies are copied with `policy`'s parameters replaced, so history is
    kept and the engine reads the new version from the next evaluation on. Only governance
    leads may do this; `policy` must belong to the newest set (a stale form is refused).
    """
    from catalog.querysets import user_is_governance_lead

    if not user_is_governance_lead(user):
        raise PermissionDenied("Only governance leads may edit policies.")
    _validate_parameters(policy.kind, parameters)
    with transaction.atomic():
        latest = PolicySet.objects.select_for_update().order_by("-version").first()
        if latest is None or policy.policy_set_id != latest.pk:
            raise PolicyConflict("The policies changed since this form was opened; reload and edit again.")
        new_set = PolicySet.objects.create(
            version=latest.version + 1, source_text=latest.source_text, loaded_by=user
        )
        rows = list(Policy.objects.filter(policy_set=latest))
        for row in rows:
            row.pk = None
            row.policy_set = new_set
            if (row.kind, row.domain, row.name) == (policy.kind, policy.domain, policy.name):
                row.parameters = parameters
        Policy.objects.bulk_create(rows)
        audit_record(
            actor=user,
            action="policy.edit",
            obj=new_set,
            before={"policy": str(policy), "parameters": policy.parameters},
            after={"policy": str(policy), "parameters": parameters, "version": new_set.version},
        )
    return new_set


class PolicyConflict(Exception):
    pass


def _validate_parameters(kind: str, parameters: dict) -> None:
    """Raise ValueError when the engine could not use `parameters` for a policy of `kind`."""
    from .policies import BreakingChangeParams, DomainParams

    if not isinstance(parameters, dict):
        raise ValueError("parameters must be a mapping")
    try:
        if kind == "domain":
            DomainParams.from_parameters(parameters)
        elif kind == "automated" and parameters:
            BreakingChangeParams.from_parameters(parameters)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"these parameters cannot be used: {exc}") from None
