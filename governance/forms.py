import json

from django import forms

from catalog.models import Classification

from .policies import parse_threshold

QUALITY_KEYS = ["completeness", "accuracy", "freshness"]


def _names(text: str) -> list[str]:
    return sorted({part.strip() for part in text.replace("\n", ",").split(",") if part.strip()})


class DomainPolicyForm(forms.Form):
    """The structured parameters of a domain policy, as a governance lead edits them."""

    completeness = forms.CharField(required=False, help_text='e.g. ">= 99%"')
    accuracy = forms.CharField(required=False, help_text='e.g. ">= 99.5%"')
    freshness = forms.CharField(required=False, help_text='e.g. "<= 24 hours"')
    default_access = forms.ChoiceField(
        required=False, choices=[("", "—")] + list(Classification.choices), label="Default access"
    )
    pii_fields = forms.CharField(required=False, label="PII field names", help_text="comma-separated")
    approval_required = forms.CharField(
        required=False, label="Fields needing approval", help_text="comma-separated"
    )
    sox_compliance = forms.BooleanField(required=False, label="SOX compliance")
    audit_all_access = forms.BooleanField(required=False, label="Audit all access")

    @classmethod
    def initial_from(cls, parameters: dict) -> dict:
        quality = parameters.get("data_quality") or {}
        initial = {}
        for key in QUALITY_KEYS:
            if key in quality:
                t = quality[key]
                unit = t.get("unit") or ""
                initial[key] = (
                    f"{t['op']} {t['value']:g}{'%' if unit == '%' else (' ' + unit if unit else '')}"
                )
        initial["default_access"] = parameters.get("default_access") or ""
        initial["pii_fields"] = ", ".join(parameters.get("pii_fields") or [])
        initial["approval_required"] = ", ".join(parameters.get("approval_required") or [])
        initial["sox_compliance"] = bool(parameters.get("sox_compliance"))
        initial["audit_all_access"] = bool(parameters.get("audit_all_access"))
        return initial

    def clean(self):
        data = super().clean()
        for key in QUALITY_KEYS:
            text = (data.get(key) or "").strip()
            if text:
                try:
                    data[key] = parse_threshold(text)
                except ValueError as exc:
                    self.add_error(key, str(exc))
        return data

    def parameters(self, previous: dict) -> dict:
        data = self.cleaned_data
        result = dict(previous)
        quality = {k: data[k] for k in QUALITY_KEYS if data.get(k)}
        result["data_quality"] = quality
        for key in ("default_access",):
            if data.get(key):
                result[key] = data[key]
            else:
                result.pop(key, None)
        result["pii_fields"] = _names(data.get("pii_fields") or "")
        result["approval_required"] = _names(data.get("approval_required") or "")
        result["sox_compliance"] = bool(data.get("sox_compliance"))
        result["audit_all_access"] = bool(data.get("audit_all_access"))
        return {k: v for k, v in result.items() if v not in ([], None, {}) or k == "data_quality"}


class ParametersJsonForm(forms.Form):
    """Other policies: their parameters as a JSON object."""

    parameters = forms.CharField(widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}))

    def clean_parameters(self):
        try:
            value = json.loads(self.cleaned_data["parameters"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError("the parameters must be a JSON object")
        return value

    def parameters_value(self, previous: dict) -> dict:
        return self.cleaned_data["parameters"]
