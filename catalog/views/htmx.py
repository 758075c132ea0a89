"""Partial responses for htmx: a page renders only the region htmx asked for."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request, target: str) -> bool:
    """True for an htmx request that swaps `#target` (not a history restore, which needs the page)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-History-Restore-Request") != "true"
        and headers.get("HX-Target") == target
    )


def render_page(request, template: str, context: dict, *, partial: str, target: str):
    """The whole page, or only `partial` when htmx targets `#target`."""
    is_partial = wants_partial(request, target)
    response = render(request, partial if is_partial else template, {**context, "is_partial": is_partial})
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
