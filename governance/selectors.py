"""Reads for governance."""

from .models import Policy, PolicySet
from .policies import PolicyParams


def active_policy_params() -> PolicyParams:
    """The effective parameters of the newest policy set, in two queries.

    With no policy set loaded this is `PolicyParams.empty()`: the seed engine rules still run,
    with no domain, automated or observability policies.
    """
    latest = PolicySet.objects.order_by("-version").values_list("pk", "version").first()
    if latest is None:
        return PolicyParams.empty()
    pk, version = latest
    rows = Policy.objects.filter(policy_set_id=pk).values_list("kind", "name", "domain", "parameters")
    return PolicyParams.from_rows(rows, version=version)
