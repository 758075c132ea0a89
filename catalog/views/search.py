from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import search as catalog_search
from ..search import FILTER_KEYS, SORTS, SearchQuery, product_search, saved_searches_for
from .htmx import render_page

FACET_SHOWN = 10
SORT_LABELS = {"relevance": "Relevance", "name": "Name", "updated": "Recently updated"}


@login_required
def search(request):
    query = SearchQuery.from_params(request.GET)
    result = product_search(user=request.user, query=query)
    query = result.query
    base = reverse("search")

    def url(q: SearchQuery) -> str:
        qs = q.querystring()
        return f"{base}?{qs}" if qs else base

    facets = []
    for facet in (result.facets or {}).values():
        values = [
            {
                "value": v.value,
                "label": v.label,
                "count": v.count,
                "selected": v.selected,
                "url": url(query.toggled(facet.key, v.value)) if facet.measured else "",
            }
            for v in facet.values
        ]
        facets.append(
            {
                "key": facet.key,
                "label": facet.label,
                "measured": facet.measured,
                "top": values[:FACET_SHOWN],
                "more": values[FACET_SHOWN:],
            }
        )
    active = [
        {"key": key, "value": value, "url": url(query.toggled(key, value))}
        for key, values in query.effective_filters.items()
        for value in values
    ]
    context = {
        "query": query,
        "result": result,
        "facets": facets,
        "active_filters": active,
        "param_filters": [(k, v) for k in FILTER_KEYS for v in query.filters.get(k, ())],
        "clear_url": url(query.cleared()) if active else "",
        "sorts": [{"value": s, "label": SORT_LABELS[s], "selected": s == query.sort} for s in SORTS],
        "previous_url": url(query.with_page(result.page - 1)) if result.has_previous else "",
        "next_url": url(query.with_page(result.page + 1)) if result.has_next else "",
        "page_url": url(query),
        "querystring": query.with_page(1).querystring(),
        "saved_searches": saved_searches_for(user=request.user),
        "from_input": request.headers.get("HX-Trigger") == "q",
    }
    response = render_page(
        request,
        "catalog/search.html",
        context,
        partial="catalog/includes/search_results.html",
        target="search-results",
    )
    if request.headers.get("HX-Request") == "true":
        # The address bar shows the canonical URL of the search, whichever form fields htmx sent.
        response["HX-Push-Url"] = context["page_url"]
    return response


@login_required
@require_POST
def saved_search_save(request):
    query = SearchQuery.from_params(QueryDict(request.POST.get("querystring", "")[:2000]))
    saved = catalog_search.saved_search_create(
        user=request.user, name=request.POST.get("name", ""), query=query
    )
    messages.success(request, f"Saved search “{saved.name}”. Find it on your home page.")
    qs = saved.query_string
    return redirect(f"{reverse('search')}?{qs}" if qs else reverse("search"))


@login_required
@require_POST
def saved_search_delete(request, pk: int):
    if not catalog_search.saved_search_delete(user=request.user, pk=pk):
        raise Http404
    messages.success(request, "Saved search deleted.")
    target = request.POST.get("next", "")
    return redirect(target if target in {reverse("home"), reverse("search")} else reverse("home"))
