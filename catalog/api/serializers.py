"""Output shapes of the catalog API (read-only: they format, they do not decide)."""

from rest_framework import serializers

from catalog.models import Domain


class ProductSummarySerializer(serializers.Serializer):
    domain = serializers.CharField(source="domain.name")
    name = serializers.CharField()
    version = serializers.CharField(
        source="current_version.version", allow_null=True, help_text="The current published version."
    )
    classification = serializers.CharField()
    status = serializers.CharField(help_text="The current version's status; `draft` when none is published.")
    description = serializers.CharField()
    owning_team = serializers.CharField(source="owning_team.name")
    tags = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_tags(self, product) -> list[str]:
        names = getattr(product, "tag_names", None)  # a search result has them read already
        return names if names is not None else [tag.name for tag in product.tags.all()]


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class ProductSearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Products matching, over all pages.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ProductSummarySerializer(many=True)
    facets = serializers.DictField(
        child=FacetValueSerializer(many=True),
        help_text="Per facet (domain, classification, status, tag, team, pii, quality, freshness), "
        "the values with their counts; each facet is counted without its own filter. Empty with facets=false.",
    )


class ProductListParamsSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)
    facets = serializers.BooleanField(default=True, help_text="false skips the facet counts (faster).")


class SchemaFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    description = serializers.CharField()
    constraints = serializers.JSONField()
    is_primary_key = serializers.BooleanField()
    is_pii = serializers.BooleanField()
    pii_category = serializers.CharField()


class OutputPortSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    location = serializers.CharField()
    description = serializers.CharField()


class InputPortSerializer(serializers.Serializer):
    table = serializers.CharField()
    product = serializers.CharField(
        source="product_ref", help_text="<domain>/<name> of the upstream product."
    )


class ProductDetailSerializer(ProductSummarySerializer):
    version = serializers.CharField(source="shown_version.version", help_text="The version described below.")
    current_version = serializers.CharField(source="current_version.version", allow_null=True)
    discovery = serializers.CharField()
    contact = serializers.CharField(source="owning_team.contact")
    fields = SchemaFieldSerializer(many=True, source="shown_fields")
    output_ports = OutputPortSerializer(many=True, source="shown_output_ports")
    input_ports = InputPortSerializer(many=True, source="shown_input_ports")


class ViolationSerializer(serializers.Serializer):
    policy = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True, required=False)
    fix = serializers.CharField(allow_null=True, required=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    status = serializers.CharField()
    breaking = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    date = serializers.CharField(source="changelog_entry.date", allow_null=True, default=None)
    changes = serializers.ListField(
        child=serializers.CharField(), source="changelog_entry.changes", default=list
    )
    violations = ViolationSerializer(
        many=True,
        required=False,
        help_text="Governance findings; only for the product's owners and governance leads (else omitted).",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("sees_drafts"):
            data.pop("violations", None)
        return data


class ContractSerializer(serializers.Serializer):
    domain = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    status = serializers.CharField()
    format = serializers.CharField(help_text="The format it was submitted in: seed, odcs or dcs.")
    contract = serializers.CharField(help_text="The contract as submitted (YAML).")


class TeamSerializer(serializers.Serializer):
    name = serializers.CharField()
    contact = serializers.CharField()


class DomainSerializer(serializers.ModelSerializer):
    teams = TeamSerializer(many=True, read_only=True)
    product_count = serializers.IntegerField(read_only=True, help_text="Products in it that you may see.")

    class Meta:
        model = Domain
        fields = ["name", "bounded_context", "description", "teams", "product_count"]


class ContractSubmitSerializer(serializers.Serializer):
    contract = serializers.CharField(help_text="The contract, as YAML text.")


class ContractProblemSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    column = serializers.IntegerField(allow_null=True)
    path = serializers.CharField(help_text="The field path, e.g. `schema.fields[2].type`.")
    message = serializers.CharField()
    severity = serializers.CharField(help_text="`error` (rejected) or `warning`.")


class SubmitOutcomeSerializer(serializers.Serializer):
    file = serializers.CharField()
    action = serializers.ChoiceField(
        choices=["created", "new_version", "draft_replaced", "unchanged"],
        help_text="What the submission did (with `dry_run`: what it would do).",
    )
    product = serializers.CharField(help_text="<domain>/<name>")
    version = serializers.CharField()
    status = serializers.CharField(help_text="`published`, or `draft` when the publish gate keeps it.")
    published = serializers.BooleanField()
    stored = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)
    errors = ContractProblemSerializer(many=True)
    warnings = ContractProblemSerializer(many=True)
    violations = ViolationSerializer(many=True, help_text="Governance findings of the publish gate.")
