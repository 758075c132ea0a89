"""Publishing from the portal: upload a contract version on a page."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .models import Domain, TeamMembership
from .querysets import user_is_governance_lead
from .services import Action, contract_version_submit
from .visibility import publish_target


class ContractUploadForm(forms.Form):
    contract = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}), required=False
    )
    file = forms.FileField(required=False, help_text="Or upload a .yaml file.")
    dry_run = forms.BooleanField(required=False, label="Validate only (do not store)")

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > settings.MESH_CONTRACT_MAX_BYTES:
                raise forms.ValidationError(
                    f"The file is larger than {settings.MESH_CONTRACT_MAX_BYTES} bytes."
                )
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
            data["filename"] = upload.name
        else:
            data["text"] = data.get("contract") or ""
            data["filename"] = "contract.yaml"
            if len(data["text"].encode()) > settings.MESH_CONTRACT_MAX_BYTES:
                raise forms.ValidationError(
                    f"The contract is larger than {settings.MESH_CONTRACT_MAX_BYTES} bytes."
                )
        if not data["text"].strip():
            raise forms.ValidationError("Paste a contract or choose a file.")
        return data


@login_required
def product_publish(request, domain: str, name: str):
    """Upload a new version of <domain>/<name> (owners), or create the product (domain team members)."""
    product = publish_target(request.user, domain=domain, name=name)
    return _publish_page(request, product_ref=f"{domain}/{name}", product=product)


@login_required
def product_create(request):
    """Publish a contract for a new product in one of the user's domains."""
    if not (
        user_is_governance_lead(request.user) or TeamMembership.objects.filter(user=request.user).exists()
    ):
        raise PermissionDenied("Only members of a domain team may create products.")
    return _publish_page(request, product_ref=None, product=None)


def _publish_page(request, *, product_ref, product):
    form = ContractUploadForm(request.POST or None, request.FILES or None)
    outcome = None
    lines = []
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        outcome = contract_version_submit(
            text=text,
            filename=form.cleaned_data["filename"],
            user=request.user,
            dry_run=form.cleaned_data["dry_run"],
            expected_ref=product_ref,
        )
        error_lines = {p.line for p in outcome.problems if p.line}
        lines = [
            {"number": i, "text": line, "error": i in error_lines}
            for i, line in enumerate(text.splitlines(), start=1)
        ]
    domains = Domain.objects.filter(teams__memberships__user=request.user).distinct()
    status = 200
    if outcome is not None and outcome.action in (Action.INVALID, Action.REFUSED):
        status = 400 if outcome.action == Action.INVALID else 409
    return render(
        request,
        "publish/upload.html",
        {
            "form": form,
            "product": product,
            "product_ref": product_ref,
            "outcome": outcome,
            "lines": lines,
            "domains": domains,
        },
        status=status,
    )
