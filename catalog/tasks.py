"""Thin Celery tasks: they call a service."""

from celery import shared_task


@shared_task(name="catalog.tasks.facet_counts_compact_task")
def facet_counts_compact_task():
    """The beat sweep: fold the facet count increments (catalog.search.counts)."""
    from .search import facet_counts_compact

    return facet_counts_compact()
