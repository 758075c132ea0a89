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

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, models
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Value

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


class AnyOf(Func):
    """`column = ANY(%s)` with the ids as one array parameter, PostgreSQL only: a constant
    array is one parameter (a statement takes at most 65,535) and is matched by hashing.
    The array is cast to bigint[], the type of every key here."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s::bigint[]))"
    output_field = BooleanField()


def ids_in(column: str, ids) -> Q:
    """`column` is one of `ids` (a list of integers), as one array parameter on PostgreSQL."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        # One text parameter, '{1,2,3}': psycopg adapts a list element by element, which for
        # the few thousand ids of a broad search costs more (milliseconds) than the query's
        # use of them.
        return Q(AnyOf(F(column), Value("{" + ",".join(str(int(i)) for i in ids) + "}")))
    return Q(**{f"{column}__in": ids})


def listed() -> Q:
    """Listed products: published with `discovery: public`, which everyone signed in may see.
    (The same test is in the facet count triggers of migration catalog 0005.)"""
    return Q(current_version__isnull=False, discovery="public")


@dataclass(frozen=True)
class Visibility:
    """What a user may see, read once: everything (governance leads), or the listed products
    plus those of the user's teams and (published) those granted to the user or a group."""

    everything: bool = False
    teams: tuple[int, ...] = ()
    granted: tuple[int, ...] = ()

    def condition(self) -> Q:
        # Most visible products are listed: that arm comes first and decides most rows alone.
        own = self._own()
        return listed() | own if own else listed()

    def unlisted(self) -> Q | None:
        """The visible products that are not listed (None: none can be)."""
        own = self._own()
        return own & ~listed() if own else None

    def document_condition(self) -> Q:
        """The same rule on a product's SearchDocument, which carries the columns it reads (copied
        by triggers on PostgreSQL): what a text search filters its matches by."""
        if self.everything:
            return Q()
        own = self._own(published=Q(published=True), pk="product_id")
        return Q(listed=True) | own if own else Q(listed=True)

    def _own(self, *, published: Q | None = None, pk: str = "id") -> Q | None:
        """The products of the user's teams, and the published ones granted to them (`published`
        and `pk`: those columns on another table than the product's)."""
        own = Q()
        if self.teams:
            own |= ids_in("owning_team_id", self.teams)
        if self.granted:
            own |= (published or Q(current_version__isnull=False)) & ids_in(pk, self.granted)
        return own or None


def visibility_resolve(user) -> Visibility | None:
    """`user`'s Visibility, reading their teams, permission grants and (unless known already)
    governance lead membership in one query; None for a user who may see nothing (anonymous or
    inactive)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    lead = True if user.is_superuser else getattr(user, "_mesh_is_governance_lead", None)
    if lead:
        return Visibility(everything=True)
    with connection.cursor() as cursor:
        cursor.execute(*_visibility_sql(user.pk, with_lead=lead is None))
        rows = cursor.fetchall()
    teams, granted, lead = set(), set(), False
    for kind_, pk in rows:
        if kind_ == "lead":
            lead = True
        else:
            (teams if kind_ == "team" else granted).add(pk)
    user._mesh_is_governance_lead = lead  # as user_is_governance_lead() caches it
    if lead:
        return Visibility(everything=True)
    return Visibility(teams=tuple(sorted(teams)), granted=tuple(sorted(granted)))


def _visibility_sql(user_id: int, *, with_lead: bool) -> tuple[str, list]:
    """One statement for the (kind, id) rows of what decides a user's visibility: ('team', team)
    per team membership, ('product', product) per `view_dataproduct` permission held directly
    or through a group, and ('lead', group) for membership of the governance group. Plain SQL
    (the ORM's union of these took longer to compile than to run, on every request)."""
    from access.models import DataProductGroupObjectPermission, DataProductUserObjectPermission
    from catalog.models import TeamMembership

    user_groups = get_user_model().groups.through._meta.db_table
    parts = [
        f'SELECT \'team\', m."team_id" FROM "{TeamMembership._meta.db_table}" m WHERE m."user_id" = %s',
        f'SELECT \'product\', p."content_object_id" FROM "{DataProductUserObjectPermission._meta.db_table}" p'
        f' JOIN "{Permission._meta.db_table}" a ON a."id" = p."permission_id"'
        f' WHERE p."user_id" = %s AND a."codename" = %s',
        f'SELECT \'product\', p."content_object_id" FROM "{DataProductGroupObjectPermission._meta.db_table}" p'
        f' JOIN "{Permission._meta.db_table}" a ON a."id" = p."permission_id"'
        f' WHERE p."group_id" IN (SELECT ug."group_id" FROM "{user_groups}" ug WHERE ug."user_id" = %s)'
        f' AND a."codename" = %s',
    ]
    params: list = [user_id, user_id, "view_dataproduct", user_id, "view_dataproduct"]
    if with_lead:
        parts.append(
            f'SELECT \'lead\', g."id" FROM "{user_groups}" ug JOIN "{Group._meta.db_table}" g'
            f' ON g."id" = ug."group_id" WHERE ug."user_id" = %s AND g."name" = %s'
        )
        params += [user_id, GOVERNANCE_GROUP]
    return " UNION ALL ".join(parts), params


class DataProductQuerySet(models.QuerySet):
    def for_user(self, user, perm: str = "view", *, resolved: bool = False):
        """Products `user` may see (perm="view") or change (perm="change").

        With `resolved=True` (perm="view" only) the user's teams and permission grants are read
        now, in one query, and the rule becomes one cheap predicate on the product row: listed
        (published and public) or owned by one of those teams or granted. Same rows; but
        PostgreSQL plans it well in both directions: scanning every product for a count, or
        probing only the few a text search found (the lazy form's hashed subqueries are costed
        again for every probe, so the planner scans everything even for one hit). Search uses it.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user_is_governance_lead(user):
            return self.all()
        if resolved and perm == "view":
            return self._for_user_resolved(user)
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
        user_perm, group_perm = _view_permission_querysets(user, f"{perm}_dataproduct")
        published = Q(current_version__isnull=False)
        return self.filter(
            owner | (published & (Q(discovery="public") | Q(pk__in=user_perm) | Q(pk__in=group_perm)))
        )

    def _for_user_resolved(self, user):
        return self.visible_by(visibility_resolve(user))

    def visible_by(self, visibility: Visibility):
        """The products of a resolved `visibility` (see `visibility_resolve`)."""
        if visibility.everything:
            return self.all()
        return self.filter(visibility.condition())

    def owned_by(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owning_team__memberships__user=user).distinct()


def _write_domains_subquery():
    from catalog.models import AccessRule

    return AccessRule.objects.filter(
        version_id=OuterRef(OuterRef("current_version_id")), mode="write", principal_kind="domain"
    ).values("principal")


def _view_permission_querysets(user, codename: str):
    """The ids of the products `user` holds `codename` on: directly, and through a group."""
    from access.models import DataProductGroupObjectPermission, DataProductUserObjectPermission

    user_perm = DataProductUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename=codename
    ).values("content_object_id")
    group_perm = DataProductGroupObjectPermission.objects.filter(
        group_id__in=user.groups.through.objects.filter(user_id=user.pk).values("group_id"),
        permission__codename=codename,
    ).values("content_object_id")
    return user_perm, group_perm
