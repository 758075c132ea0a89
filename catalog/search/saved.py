"""Saved searches: a signed-in user's bookmarked queries."""

from __future__ import annotations

from catalog.models import (
    SavedSearch,
)

from .query import SearchQuery


def saved_search_create(*, user, name: str, query: SearchQuery) -> SavedSearch:
    """Save (or overwrite, by name) the user's search."""
    name = (name or "").strip()[:100] or (query.text.strip()[:100] or "All products")
    saved, _ = SavedSearch.objects.update_or_create(
        user=user, name=name, defaults={"query_string": query.with_page(1).querystring()}
    )
    return saved


def saved_search_delete(*, user, pk: int) -> bool:
    """Delete one of the user's saved searches; False if they have none with that id."""
    deleted, _ = SavedSearch.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


def saved_searches_for(*, user) -> list[SavedSearch]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedSearch.objects.filter(user=user))
