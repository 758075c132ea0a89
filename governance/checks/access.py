"""Whether a product's checks may read an upstream product's data (its input ports).

One function, so that the access issue can extend it with grants: today an upstream is
readable by a team when it is discoverable by everyone (public discovery with a published
version), or when its current contract lists the team, or the team's domain, in `access.read`.
A product may always read itself.
"""

from __future__ import annotations

from catalog.models import DataProduct, Discovery, Team


def team_may_read(team: Team, upstream_product: DataProduct) -> bool:
    if upstream_product.owning_team_id == team.pk:
        return True
    version = upstream_product.current_version
    if version is None:
        return False
    if upstream_product.discovery == Discovery.PUBLIC:
        return True
    domain_name = team.domain.name if team.domain_id else None
    for rule in (version.contract.get("access") or {}).get("read") or ():
        kind, value = rule.get("kind"), rule.get("value")
        if kind == "team" and value == team.name:
            return True
        if kind == "domain" and domain_name and value == domain_name:
            return True
    return False
