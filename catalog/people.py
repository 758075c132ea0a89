"""People: profiles, teams and the groups kept in step with them.

Groups `role:<consumer role>`, `domain:<name>` (home domain and the domains of one's teams),
`team:<name>` and `governance` mirror profiles and memberships so that permissions can be
granted to groups. Every write to a profile or a membership goes through these services.
"""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Profile, TeamMembership
from .querysets import GOVERNANCE_GROUP

MANAGED_PREFIXES = ("role:", "domain:", "team:")


def user_groups_sync(*, user) -> None:
    """Set the user's managed groups from their profile and team memberships."""
    wanted: set[str] = set()
    profile = Profile.objects.filter(user=user).select_related("home_domain").first()
    if profile is not None:
        if profile.consumer_role:
            wanted.add(f"role:{profile.consumer_role}")
        if profile.home_domain_id:
            wanted.add(f"domain:{profile.home_domain.name}")
        if profile.is_governance_lead:
            wanted.add(GOVERNANCE_GROUP)
    for team_name, domain_name in TeamMembership.objects.filter(user=user).values_list(
        "team__name", "team__domain__name"
    ):
        wanted.add(f"team:{team_name}")
        wanted.add(f"domain:{domain_name}")
    current = {g.name: g for g in user.groups.all()}
    managed = {n for n in current if n.startswith(MANAGED_PREFIXES) or n == GOVERNANCE_GROUP}
    remove = [current[n] for n in managed - wanted]
    if remove:
        user.groups.remove(*remove)
    add = []
    for name in wanted - current.keys():
        group, _ = Group.objects.get_or_create(name=name)
        add.append(group)
    if add:
        user.groups.add(*add)
    if hasattr(user, "_mesh_is_governance_lead"):
        del user._mesh_is_governance_lead


@transaction.atomic
def profile_set(
    *, user, consumer_role: str = "", home_domain=None, is_governance_lead: bool = False
) -> Profile:
    """Create or update the user's profile and resync their groups."""
    profile, _ = Profile.objects.update_or_create(
        user=user,
        defaults={
            "consumer_role": consumer_role,
            "home_domain": home_domain,
            "is_governance_lead": is_governance_lead,
        },
    )
    user_groups_sync(user=user)
    return profile


@transaction.atomic
def team_member_add(*, team, user, role: str) -> TeamMembership:
    membership, _ = TeamMembership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    user_groups_sync(user=user)
    return membership


@transaction.atomic
def team_member_remove(*, team, user) -> None:
    TeamMembership.objects.filter(team=team, user=user).delete()
    user_groups_sync(user=user)
