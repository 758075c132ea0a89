from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .. import selectors


@login_required
def domain_list(request):
    return render(
        request, "catalog/domain_list.html", {"domains": selectors.domain_list_for(user=request.user)}
    )


@login_required
def domain_detail(request, name: str):
    domain = selectors.domain_get(name=name)
    if domain is None:
        raise Http404
    products = selectors.domain_products(user=request.user, domain=domain)
    statuses = [p.current_version.status if p.current_version_id else "draft" for p in products]
    health = {
        "published": statuses.count("published"),
        "deprecated": statuses.count("deprecated"),
        "draft": statuses.count("draft"),
        "breaking": sum(1 for p in products if p.current_version_id and p.current_version.breaking),
        "pii": sum(1 for p in products if p.has_pii),
    }
    return render(
        request, "catalog/domain_detail.html", {"domain": domain, "products": products, "health": health}
    )
