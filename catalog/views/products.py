"""The product page: a header and five tabs, each at its own URL, each also an htmx partial."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse

from access.selectors import product_access_context
from catalog.visibility import user_may_change_product
from governance.compliance.selectors import product_compliance_context
from mesh_portal.lib.markdown import markdown_to_html

from .. import selectors
from .htmx import render_page

TABS = (
    ("readme", "README"),
    ("schema", "Schema"),
    ("sla", "SLA"),
    ("changelog", "Changelog"),
    ("contract", "Contract"),
)
TAB_NAMES = {name for name, _ in TABS}


class _Page:
    """What every tab of one product page knows: the product, the versions the user may see,
    and the version shown (`?version=`, else the current one, else the newest draft)."""

    def __init__(self, request, domain: str, name: str):
        self.request = request
        self.product = selectors.product_get(user=request.user, domain=domain, name=name)
        if self.product is None:
            raise Http404
        self.sees_drafts = selectors.user_sees_drafts(user=request.user, product=self.product)
        self.versions = selectors.product_versions(product=self.product, with_drafts=self.sees_drafts)
        wanted = request.GET.get("version")
        if wanted:
            shown = next((v for v in self.versions if v.version == wanted), None)
        elif self.product.current_version_id:
            shown = next((v for v in self.versions if v.pk == self.product.current_version_id), None)
        else:
            shown = self.versions[0] if self.versions else None
        if shown is None:
            raise Http404
        self.shown = shown
        self.version_param = wanted or ""

    def shown_with_contract(self):
        """The shown version with its contract text and document (deferred in the list)."""
        if self.shown.pk == self.product.current_version_id:
            return self.product.current_version
        return selectors.version_with_contract(version_id=self.shown.pk)

    def tab_url(self, tab: str) -> str:
        url = reverse("product-tab", args=[self.product.domain.name, self.product.name, tab])
        return f"{url}?version={self.version_param}" if self.version_param else url


@login_required
def product_page(request, domain: str, name: str, tab: str = "readme"):
    if tab not in TAB_NAMES:
        raise Http404
    page = _Page(request, domain, name)
    if tab == "contract" and request.GET.get("download"):
        return _contract_attachment(page)
    context = {
        "product": page.product,
        "version": page.shown,
        "versions": page.versions,
        "is_current": page.shown.pk == page.product.current_version_id,
        "sees_drafts": page.sees_drafts,
        "tags": list(page.product.tags.all()),
        "tab": tab,
        "tabs": [
            {"name": n, "label": label, "url": page.tab_url(n), "active": n == tab} for n, label in TABS
        ],
        "tab_template": f"catalog/product/tab_{tab}.html",
        "version_param": page.version_param,
        "download_url": reverse("product-contract-yaml", args=[page.product.domain.name, page.product.name])
        + (f"?version={page.version_param}" if page.version_param else ""),
    }
    context.update(TAB_CONTEXT[tab](page))
    context["access"] = product_access_context(user=request.user, product=page.product)
    context.update(product_compliance_context(product=page.product, sees_details=page.sees_drafts))
    return render_page(
        request,
        "catalog/product/page.html",
        context,
        partial="catalog/product/tabs.html",
        target="product-tabs",
    )


@login_required
def product_contract_download(request, domain: str, name: str):
    return _contract_attachment(_Page(request, domain, name))


def _contract_attachment(page: _Page) -> HttpResponse:
    version = page.shown_with_contract()
    response = HttpResponse(version.contract_text, content_type="application/yaml; charset=utf-8")
    filename = f"{page.product.domain.name}-{page.product.name}-{version.version}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _readme(page: _Page) -> dict:
    contract = page.shown_with_contract().contract or {}
    source = contract.get("readme") or contract.get("description") or page.product.description
    return {"readme_html": markdown_to_html(source), "readme_is_description": not contract.get("readme")}


def _schema(page: _Page) -> dict:
    contract = page.shown_with_contract().contract or {}
    schema = contract.get("schema") or {}
    return {
        "fields": [
            {"field": f, "constraints": [constraint_label(c) for c in f.constraints or []]}
            for f in selectors.version_fields(version=page.shown)
        ],
        "output_ports": list(page.shown.output_ports.order_by("position")),
        "partitioned_by": schema.get("partitioned_by") or [],
        "storage": {k: schema.get(k) for k in ("type", "location", "table") if schema.get(k)},
        "upstreams": selectors.version_upstreams(user=page.request.user, version=page.shown),
        "downstreams": selectors.product_downstreams(user=page.request.user, product=page.product),
    }


def _sla(page: _Page) -> dict:
    """Each promise of the contract beside what the monitoring measured (governance)."""
    from governance.monitoring_pages import product_monitoring
    from governance.monitoring_views import run_panel_context

    sla, checks = selectors.version_service_levels(version=page.shown)
    monitoring = product_monitoring(product=page.product, sla=sla, checks=checks)
    targets = []
    if sla is not None:
        if sla.availability is not None:
            targets.append(("Availability", f"{sla.availability:g}%", monitoring.targets["availability"]))
        if sla.freshness_max_age_hours is not None:
            detail = f"at most {sla.freshness_max_age_hours:g} h old"
            if sla.update_schedule:
                detail += f" (updated on schedule {sla.update_schedule})"
            targets.append(("Freshness", detail, monitoring.targets["freshness"]))
        if sla.completeness_min is not None:
            targets.append(
                ("Completeness", f"at least {sla.completeness_min:g}%", monitoring.targets["completeness"])
            )
    can_run = user_may_change_product(page.request.user, page.product)
    return {
        "sla": sla,
        "targets": targets,
        "checks": checks,
        "monitoring": monitoring,
        "run_panel": run_panel_context(
            product=page.product,
            in_flight=monitoring.in_flight,
            latest_run=monitoring.latest_run,
            can_run=can_run,
        ),
        "sla_url": page.tab_url("sla"),
    }


def _changelog(page: _Page) -> dict:
    versions = page.versions
    by_name = {v.version: v for v in versions}
    newer = by_name.get(page.request.GET.get("to") or "") or page.shown
    older = by_name.get(page.request.GET.get("from") or "")
    if older is None:
        position = versions.index(newer)
        older = versions[position + 1] if position + 1 < len(versions) else None
    diff = None
    if older is not None and older.pk != newer.pk:
        fields = selectors.fields_of_versions(version_ids=[older.pk, newer.pk])
        diff = selectors.schema_diff(fields[older.pk], fields[newer.pk])
        for field in diff["changed"]:
            for change in field["changes"]:
                for key in ("before", "after"):
                    change[key] = _display(change[key])
    contract = page.shown_with_contract().contract or {}
    history = [e for e in contract.get("changelog") or [] if e.get("version") not in by_name]
    return {
        "history": history,
        "diff": diff,
        "diff_from": older,
        "diff_to": newer,
        "changelog_url": reverse(
            "product-tab", args=[page.product.domain.name, page.product.name, "changelog"]
        ),
    }


def _contract(page: _Page) -> dict:
    return {"contract_text": page.shown_with_contract().contract_text}


def constraint_label(constraint) -> str:
    """`{"type": "min", "value": 0}` -> `min 0`; plain strings as they are."""
    if not isinstance(constraint, dict):
        return str(constraint).replace("_", " ")
    kind = str(constraint.get("type", "")).replace("_", " ")
    if "value" not in constraint:
        return kind
    value = constraint["value"]
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return f"{kind} {value}"


def _display(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(constraint_label(c) for c in value) or "none"
    return "" if value is None else str(value)


TAB_CONTEXT = {
    "readme": _readme,
    "schema": _schema,
    "sla": _sla,
    "changelog": _changelog,
    "contract": _contract,
}
