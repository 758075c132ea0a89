"""Visibility: the one place that decides which products a user may see.

Every read (lists, search, counts, facets, suggestions, pages, API) starts from
`DataProduct.objects.for_user(user)`. A product is visible to:
- superusers and governance leads: everything;
- members of its owning team: their products, published or not;
- everyone signed in: products with a published version and `discovery: public`;
- for `discovery: restricted`: holders of the object permission `view_dataproduct`, given
  directly or to one of their groups (access/ assigns it to the `access.read` groups and to
  grant holders).
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q

GOVERNANCE_GROUP = "governance"


def user_is_governance_lead(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_mesh_is_governance_lead", None)
    if cached is None:
        cached = user.groups.filter(name=GOVERNANCE_GROUP).exists()
        user._mesh_is_governance_lead = cached
    return cached


class DataProductQuerySet(models.QuerySet):
    def for_user(self, user, perm: str = "view"):
        """Products `user` may see (perm="view") or change (perm="change")."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user_is_governance_lead(user):
            return self.all()
        from access.models import DataProductGroupObjectPermission, DataProductUserObjectPermission
        from catalog.models import TeamMembership

        # Uncorrelated subqueries: PostgreSQL evaluates each once (a hashed subplan) instead of
        # probing it per product row, which matters with 100k products.
        my_teams = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
        owner = Q(owning_team_id__in=my_teams)
        if perm == "change":
            writer_domain = Exists(
                TeamMembership.objects.filter(
                    user_id=user.pk,
                    team__domain__name__in=_write_domains_subquery(),
                )
            )
            return self.filter(owner | writer_domain)
        codename = f"{perm}_dataproduct"
        user_perm = DataProductUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename=codename
        ).values("content_object_id")
        group_perm = DataProductGroupObjectPermission.objects.filter(
            group_id__in=user.groups.through.objects.filter(user_id=user.pk).values("group_id"),
            permission__codename=codename,
        ).values("content_object_id")
        published = Q(current_version__isnull=False)
        return self.filter(
            owner | (published & (Q(discovery="public") | Q(pk__in=user_perm) | Q(pk__in=group_perm)))
        )

    def owned_by(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owning_team__memberships__user=user).distinct()


def _write_domains_subquery():
    from catalog.models import AccessRule

    return AccessRule.objects.filter(
        version_id=OuterRef(OuterRef("current_version_id")), mode="write", principal_kind="domain"
    ).values("principal")
