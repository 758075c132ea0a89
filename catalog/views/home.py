from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors
from ..search import saved_searches_for


@login_required
def home(request):
    groups = selectors.product_list_for_home(user=request.user)
    return render(
        request,
        "catalog/home.html",
        {
            "domains": groups,
            "product_count": sum(len(items) for _, items in groups),
            "saved_searches": saved_searches_for(user=request.user),
        },
    )
