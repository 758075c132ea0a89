"""The product filters, declared once for the search page, the API and their OpenAPI description.

`ProductSearchFilterSet` validates the GET parameters (the API answers 400 on a bad value,
the page ignores it) and turns them into a `catalog.search.SearchQuery`; as a FilterSet it
also narrows any DataProduct queryset with the same semantics as search
(`catalog.search.apply_filters`).
"""

import django_filters
from django import forms

from .models import Classification, DataProduct, FreshnessStatus, QualityHealth, VersionStatus
from .search import DRAFT, MAX_FILTER_VALUES, PAGE_SIZE, SORTS, UNCLASSIFIED, SearchQuery, apply_filters


class _ValuesField(forms.Field):
    """A repeated parameter (`?tag=a&tag=b`) as a list of non-empty strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        if len(value) > MAX_FILTER_VALUES:  # counted as given, so the limit is easy to state
            raise forms.ValidationError(f"At most {MAX_FILTER_VALUES} values.")
        values = []
        for item in value:
            item = str(item).strip().lower()
            if "\x00" in item:
                # PostgreSQL text cannot hold NUL; Django's CharField refuses it the same way.
                raise forms.ValidationError("Null characters are not allowed.")
            if item and item not in values:
                values.append(item[:150])
        return values


class _ValuesFilter(django_filters.Filter):
    field_class = _ValuesField

    def filter(self, qs, value):
        return apply_filters(qs, {self.field_name: tuple(value)}) if value else qs


class _ChoicesFilter(django_filters.MultipleChoiceFilter):
    def filter(self, qs, value):
        return apply_filters(qs, {self.field_name: tuple(value)}) if value else qs


CLASSIFICATION_CHOICES = [*Classification.choices, (UNCLASSIFIED, "Unclassified")]
STATUS_CHOICES = [*VersionStatus.choices[1:], (DRAFT, "Draft only")]


class ProductSearchFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="_no_op",
        max_length=500,
        help_text="Search text; may contain domain:, tag:, team:, ... filters.",
    )
    domain = _ValuesFilter(field_name="domain", help_text="Domain name; repeat for several (any of them).")
    classification = _ChoicesFilter(field_name="classification", choices=CLASSIFICATION_CHOICES)
    status = _ChoicesFilter(field_name="status", choices=STATUS_CHOICES)
    tag = _ValuesFilter(field_name="tag", help_text="Tag; repeat for several (any of them).")
    team = _ValuesFilter(field_name="team", help_text="Owning team; repeat for several (any of them).")
    pii = django_filters.ChoiceFilter(
        field_name="pii", choices=[("yes", "Contains PII"), ("no", "No PII")], method="_pii"
    )
    quality = _ChoicesFilter(field_name="quality", choices=QualityHealth.choices)
    freshness = _ChoicesFilter(field_name="freshness", choices=FreshnessStatus.choices)
    sort = django_filters.ChoiceFilter(choices=[(s, s) for s in SORTS], method="_no_op")

    class Meta:
        model = DataProduct
        fields = []

    def _no_op(self, qs, name, value):
        return qs

    def _pii(self, qs, name, value):
        return apply_filters(qs, {"pii": (value,)}) if value else qs

    def search_query(
        self, *, page: int = 1, page_size: int = PAGE_SIZE, with_facets: bool = True
    ) -> SearchQuery:
        """The validated parameters as a SearchQuery (call is_valid() first)."""
        data = self.form.cleaned_data
        filters = {}
        for key in ("domain", "classification", "status", "tag", "team", "quality", "freshness"):
            if data.get(key):
                filters[key] = tuple(data[key])
        if data.get("pii"):
            filters["pii"] = (data["pii"],)
        return SearchQuery(
            text=data.get("search") or "",
            filters=filters,
            sort=data.get("sort") or "relevance",
            page=page,
            page_size=page_size,
            with_facets=with_facets,
        )
