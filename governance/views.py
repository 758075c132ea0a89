import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from catalog.querysets import user_is_governance_lead

from .forms import DomainPolicyForm, ParametersJsonForm
from .models import Policy, PolicySet
from .services import PolicyConflict, policy_parameters_update


@login_required
def policy_list(request):
    """The policies in force (the newest policy set), grouped by kind; any signed-in user reads them."""
    policy_set = PolicySet.objects.order_by("-version").select_related("loaded_by").first()
    policies = list(policy_set.policies.order_by("kind", "domain", "name")) if policy_set else []
    groups = {}
    for policy in policies:
        groups.setdefault(policy.get_kind_display(), []).append(policy)
    history = PolicySet.objects.order_by("-version").select_related("loaded_by")[:10]
    return render(
        request,
        "governance/policies.html",
        {
            "policy_set": policy_set,
            "groups": groups,
            "history": history,
            "can_edit": user_is_governance_lead(request.user),
        },
    )


@login_required
def policy_edit(request, pk: int):
    """Governance leads edit a policy's structured parameters; saving makes a new policy-set version."""
    if not user_is_governance_lead(request.user):
        raise PermissionDenied("Only governance leads may edit policies.")
    policy = get_object_or_404(Policy.objects.select_related("policy_set"), pk=pk)
    structured = policy.kind == "domain"
    if structured:
        form = DomainPolicyForm(
            request.POST or None, initial=DomainPolicyForm.initial_from(policy.parameters)
        )
    else:
        form = ParametersJsonForm(
            request.POST or None,
            initial={"parameters": json.dumps(policy.parameters, indent=2, sort_keys=True)},
        )
    if request.method == "POST" and form.is_valid():
        parameters = (
            form.parameters(policy.parameters) if structured else form.parameters_value(policy.parameters)
        )
        try:
            new_set = policy_parameters_update(policy=policy, parameters=parameters, user=request.user)
        except PolicyConflict as exc:
            messages.error(request, str(exc))
            return redirect("governance:policies")
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Saved: policies are now at version {new_set.version}.")
            return redirect("governance:policies")
    return render(
        request, "governance/policy_edit.html", {"policy": policy, "form": form, "structured": structured}
    )
