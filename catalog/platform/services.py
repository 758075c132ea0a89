"""The platform's writes: registering a data product from a spec (the seed's
`DataMeshPlatform.create_data_product`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from catalog.contracts import parse_contract
from catalog.models import Team
from catalog.querysets import user_is_governance_lead
from catalog.services import Action, SubmitOutcome, contract_version_submit
from catalog.visibility import publish_target

from .contract import contract_document, contract_text, problem_field
from .spec import PlatformSpec, identity_errors, spec_parse

PLATFORM_SOURCE = "platform-api"  # DataProduct.source of products registered here


class SpecInvalid(Exception):
    def __init__(self, errors: list[dict], message: str = "The spec is not valid."):
        super().__init__(message)
        self.errors = errors
        self.message = message


class AlreadyRegistered(Exception):
    pass


@dataclass
class Registration:
    spec: PlatformSpec
    outcome: SubmitOutcome

    @property
    def product_id(self) -> str:
        return self.spec.product_id


def platform_product_register(*, data, user) -> Registration:
    """Register a draft product from a platform spec: generate its contract and submit it through
    the publish gate (one transaction, as every contract), so its quality checks and schedule
    are the contract's and monitoring picks them up from there.

    Order matters for what a caller may learn: name and domain are checked first (the
    permission check needs them), then permission (unknown domain: Http404; not a member of a
    team of the domain, or a product of that name the user may not see: PermissionDenied;
    visible existing product: AlreadyRegistered), then the rest of the spec (SpecInvalid).
    """
    errors = identity_errors(data)
    if errors:
        raise SpecInvalid(errors)
    existing = publish_target(user, domain=data["domain"], name=data["name"])
    if existing is not None:
        raise AlreadyRegistered(
            f"{existing.ref} is already in the catalog; publish a new version of its contract"
        )
    spec, errors = spec_parse(data)
    if errors:
        raise SpecInvalid(errors)
    team = _owner_team(spec, user)
    document = contract_document(spec, owner_team=team.name, contact=team.contact or None)
    text = contract_text(document)
    filename = f"platform:{spec.ref}"
    parsed = parse_contract(text, filename=filename)
    if not parsed.ok:
        raise SpecInvalid(
            [{"field": problem_field(p.path), "message": p.message} for p in parsed.errors],
            "The contract generated from the spec is not valid.",
        )
    try:
        with transaction.atomic():
            outcome = contract_version_submit(
                text=text,
                filename=filename,
                user=user,
                source=PLATFORM_SOURCE,
                parsed=parsed,
                expected_ref=spec.ref,
            )
            if outcome.action != Action.CREATED:
                # Another request registered the product between the check above and the row lock:
                # raising here rolls back whatever the submit stored.
                raise AlreadyRegistered(f"{spec.ref} is already in the catalog")
    except IntegrityError:
        # Both requests inserted the product; the unique constraint let only one commit.
        raise AlreadyRegistered(f"{spec.ref} is already in the catalog") from None
    return Registration(spec=spec, outcome=outcome)


def _owner_team(spec: PlatformSpec, user) -> Team:
    lead = user_is_governance_lead(user)
    mine = list(
        Team.objects.filter(domain__name=spec.domain, memberships__user=user).order_by("name").distinct()
    )
    if spec.owner_team is None:
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise SpecInvalid(
                [{"field": "owner_team", "message": "required: the team of the domain that owns the product"}]
            )
        names = ", ".join(t.name for t in mine)
        raise SpecInvalid(
            [
                {
                    "field": "owner_team",
                    "message": f"required: you are in several teams of {spec.domain} ({names})",
                }
            ]
        )
    team = Team.objects.filter(name=spec.owner_team).select_related("domain").first()
    if team is None or team.domain.name != spec.domain:
        raise SpecInvalid(
            [
                {
                    "field": "owner_team",
                    "message": f"'{spec.owner_team}' is not a team of the domain {spec.domain}",
                }
            ]
        )
    if not lead and team not in mine:
        raise PermissionDenied(
            f"Only members of {team.name} (or governance leads) may register products for it."
        )
    return team
