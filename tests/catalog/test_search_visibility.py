"""Search reads visibility in its resolved form (`for_user(user, resolved=True)`: the user's teams
and grants read first, then one predicate on the product row). It must select exactly the
products the lazy form does, for every persona, and follow grants as they come and go."""

import pytest
from django.contrib.auth.models import AnonymousUser

from access import services
from catalog.models import DataProduct
from catalog.search import SearchQuery, product_search
from tests.access.conftest import SENTINEL, world  # noqa: F401 (the access personas fixture)
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "other_owner", "analyst", "holder", "lead"]


def visible(user, **kwargs) -> set[str]:
    return set(DataProduct.objects.for_user(user, **kwargs).values_list("name", flat=True))


def facet_counts(result, key) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[key].values}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_resolved_visibility_selects_the_same_products_as_the_lazy_one(world, persona):  # noqa: F811
    publish(name="draft_only", classification=None)  # a blocked draft: its owners only

    assert visible(world[persona], resolved=True) == visible(world[persona])


def test_a_data_scientist_sees_through_the_group_permission_of_their_role(world):  # noqa: F811
    scientist = make_user("scientist2", role="data_scientist")

    assert visible(scientist, resolved=True) == visible(scientist)
    assert "vault_ledger" in visible(scientist, resolved=True)


def test_anonymous_and_inactive_users_see_nothing(world):  # noqa: F811
    inactive = make_user("gone")
    inactive.is_active = False

    assert visible(AnonymousUser(), resolved=True) == visible(inactive, resolved=True) == set()
    result = product_search(user=AnonymousUser(), query=SearchQuery(text="orders"))
    assert (result.total, result.results) == (0, [])


def test_a_grant_alone_shows_its_product_in_search_counts_and_facets_and_a_revocation_hides_it(world):  # noqa: F811
    holder = world["holder"]
    holder.groups.clear()  # no longer an analyst: only the grant still shows sales/secret
    granted = product_search(user=holder, query=SearchQuery())
    services.access_grant_revoke(grant_id=world["holder_grant"].pk, revoked_by=world["owner"])
    revoked = product_search(user=holder, query=SearchQuery())

    assert sorted(p.name for p in granted.results) == ["orders", "secret"] and granted.total == 2
    assert facet_counts(granted, "classification") == {"internal": 1, "restricted": 1}
    assert [p.name for p in revoked.results] == ["orders"] and revoked.total == 1
    assert facet_counts(revoked, "classification") == {"internal": 1}
    assert visible(holder, resolved=True) == visible(holder) == {"orders"}


def test_a_hidden_product_changes_no_count_facet_or_result_of_a_search_that_matches_it(world):  # noqa: F811
    for text in ("", "vault", SENTINEL, "vault_ledgr", "tag:vault-tag", "classification:confidential"):
        result = product_search(user=world["analyst"], query=SearchQuery(text=text))

        assert "vault_ledger" not in {p.name for p in result.results}
        counted = {v.value for facet in result.facets.values() for v in facet.values if v.count}
        assert not counted & {"vault-tag", "confidential"}, text
        assert result.total == sum(v.count for v in result.facets["domain"].values)
