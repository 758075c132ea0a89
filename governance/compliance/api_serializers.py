"""What the compliance API answers and reads, as serializers: the views shape plain dicts (the
selectors' and the dashboard's), these describe them in the OpenAPI schema; waivers are
serialized from the model."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from ..models import ComplianceTrigger, Waiver, WaiverEnd
from .scoring import SEVERITIES
from .services import WAIVABLE_POLICIES


def _counts(help_text: str) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), help_text=help_text)


class ReportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField()
    trigger = serializers.ChoiceField(choices=ComplianceTrigger.choices)
    policy_set_version = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    products = serializers.IntegerField()
    compliant = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text="Null when the report judged no product.")
    open_violations = serializers.IntegerField()
    by_severity = _counts("Open violations per severity.")
    by_policy = _counts("Open violations per policy.")
    waived = serializers.IntegerField(help_text="Violations hidden by a waiver in force.")


class ComplianceDomainSummarySerializer(serializers.Serializer):
    domain = serializers.CharField()
    products = serializers.IntegerField()
    compliant = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    by_severity = _counts("Open violations per severity.")
    by_policy = _counts("Open violations per policy.")
    waived = serializers.IntegerField()


class ComplianceReportSerializer(serializers.Serializer):
    report = ReportSummarySerializer()
    domains = ComplianceDomainSummarySerializer(many=True)


class ComplianceViolationSerializer(serializers.Serializer):
    policy = serializers.CharField()
    severity = serializers.ChoiceField(choices=SEVERITIES)
    field = serializers.CharField(
        allow_null=True, allow_blank=True, help_text="The contract field, when there is one."
    )
    message = serializers.CharField()
    fix = serializers.CharField(allow_null=True, allow_blank=True)
    measured = serializers.BooleanField(help_text="From the latest quality run rather than the contract.")
    waived = serializers.BooleanField()
    waiver = serializers.IntegerField(allow_null=True, help_text="The waiver in force that hides it.")


class ComplianceProductRowSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="<domain>/<name>")
    version = serializers.CharField(allow_blank=True)
    version_status = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()
    compliant = serializers.BooleanField()
    by_severity = _counts("Open violations per severity.")
    waived = serializers.IntegerField()
    violations = ComplianceViolationSerializer(many=True)


class ComplianceScorePointSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    as_of = serializers.DateField()
    score = serializers.FloatField()
    compliant = serializers.BooleanField()


class ProductComplianceSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="<domain>/<name>")
    version = serializers.CharField()
    version_status = serializers.CharField()
    score = serializers.FloatField()
    compliant = serializers.BooleanField()
    by_severity = _counts("Open violations per severity.")
    waived = serializers.IntegerField()
    violations = ComplianceViolationSerializer(
        many=True, allow_null=True, help_text="Null for those who are not its owners or governance leads."
    )
    history = ComplianceScorePointSerializer(
        many=True, help_text="Its score in the last finished reports, oldest first."
    )


class ComplianceDashboardSerializer(serializers.Serializer):
    report = ReportSummarySerializer(allow_null=True, help_text="The latest report; null before the first.")
    tables = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text="Each table of the dashboard by key (domains, heatmap, worst, violations, waivers, "
        "sla, access, trend): one object per row, keyed by column.",
    )
    totals = _counts("For a table that lists a part of more rows: how many there are.")


class WaiverSerializer(serializers.ModelSerializer):
    product = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    in_force = serializers.SerializerMethodField()
    end_reason = serializers.ChoiceField(
        choices=[("", "Live"), *WaiverEnd.choices],
        read_only=True,
        help_text="Empty while the waiver has not ended.",
    )

    class Meta:
        model = Waiver
        fields = [
            "id",
            "product",
            "policy",
            "reason",
            "expires_on",
            "created_by",
            "created_at",
            "in_force",
            "reminder_sent_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields

    def get_product(self, obj) -> str:
        return obj.product.ref

    def get_in_force(self, obj) -> bool:
        return obj.applies_on(timezone.localdate())


class WaiverCreateSerializer(serializers.Serializer):
    product = serializers.RegexField(r"^[-\w]+/[-\w]+$", help_text="<domain>/<name>")
    policy = serializers.ChoiceField(choices=WAIVABLE_POLICIES)
    reason = serializers.CharField(max_length=2000)
    expires_on = serializers.DateField(help_text="The last day the waiver applies.")


class ComplianceReportQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
