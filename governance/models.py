"""Governance policies, loaded from a policy file and versioned."""

from django.conf import settings
from django.db import models


class PolicySet(models.Model):
    """One load of a policy file; the newest is in force."""

    version = models.PositiveIntegerField(unique=True)
    source_text = models.TextField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"policy set v{self.version}"


class PolicyKind(models.TextChoices):
    GLOBAL = "global", "Global"
    DOMAIN = "domain", "Domain"
    AUTOMATED = "automated", "Automated"
    OBSERVABILITY = "observability", "Observability"


class Policy(models.Model):
    policy_set = models.ForeignKey(PolicySet, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(max_length=20, choices=PolicyKind.choices)
    name = models.CharField(max_length=100)
    domain = models.CharField(max_length=100, blank=True, help_text="For domain policies.")
    mandatory = models.BooleanField(default=False)
    enforcement = models.CharField(max_length=30, blank=True)
    text = models.TextField(blank=True, help_text="The policy's prose.")
    parameters = models.JSONField(default=dict, blank=True, help_text="Structured, editable parameters.")

    class Meta:
        ordering = ["policy_set", "kind", "domain", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_set", "kind", "domain", "name"], name="unique_policy_in_set"
            )
        ]

    def __str__(self):
        return f"{self.kind}:{self.domain + '/' if self.domain else ''}{self.name}"


class QualityRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"


# A run is finished once it passed, failed or ended in error; until then it is in flight.
RUN_FINISHED = (QualityRunStatus.PASSED, QualityRunStatus.FAILED, QualityRunStatus.ERROR)
RUN_IN_FLIGHT = (QualityRunStatus.QUEUED, QualityRunStatus.RUNNING)


class QualityRunTrigger(models.TextChoices):
    MANUAL = "manual", "Manual"
    SCHEDULE = "schedule", "Schedule"
    PUBLISH = "publish", "Publish"


class QualityRun(models.Model):
    """One execution of a product version's checks. A worker claims a queued run with a
    conditional UPDATE (governance.checks.service), so a redelivered task never runs it twice."""

    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="quality_runs")
    version = models.ForeignKey(
        "catalog.ProductVersion", on_delete=models.CASCADE, related_name="quality_runs"
    )
    status = models.CharField(
        max_length=10, choices=QualityRunStatus.choices, default=QualityRunStatus.QUEUED
    )
    trigger = models.CharField(
        max_length=10, choices=QualityRunTrigger.choices, default=QualityRunTrigger.MANUAL
    )
    attempt = models.PositiveIntegerField(default=0, help_text="How many times a worker claimed the run.")
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    monitored_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When monitoring read the finished run (freshness, volume, health, alerts); "
        "set in the same transaction, so a redelivered task evaluates a run once.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["product", "-created_at"], name="qrun_product_latest"),
            models.Index(fields=["product", "status", "-finished_at"], name="qrun_product_finished"),
            models.Index(fields=["status", "created_at"], name="qrun_status_created"),
        ]

    def __str__(self):
        return f"quality run {self.pk} of product {self.product_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (QualityRunStatus.PASSED, QualityRunStatus.FAILED, QualityRunStatus.ERROR)


class CheckKind(models.TextChoices):
    CONSTRAINT = "constraint", "Field constraint"
    COMPLETENESS = "completeness", "Completeness"
    FRESHNESS = "freshness", "Freshness"
    SQL = "sql", "SQL check"
    SCHEMA = "schema", "Schema"


class CheckResult(models.Model):
    """The outcome of one check in a run; `count` is what the check measured (rows, or a
    percent for completeness, hours for freshness), `threshold` what it was compared with."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    column = models.CharField(max_length=200, blank=True)
    passed = models.BooleanField()
    count = models.FloatField(null=True, blank=True, help_text="None when the check could not be measured.")
    threshold = models.FloatField(null=True, blank=True)
    severity = models.CharField(max_length=10)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="unique_check_result_per_run")]

    def __str__(self):
        return f"{self.name}: {'passed' if self.passed else 'failed'}"


class MetricValue(models.Model):
    """One measured metric of a run; `product` is copied from the run so a product's history of
    one metric is a single index range scan (product, name, run)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="metric_values")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="metric_values")
    name = models.CharField(max_length=200)
    column = models.CharField(max_length=200, blank=True)
    value = models.FloatField(null=True, blank=True)
    detail = models.JSONField(null=True, blank=True, help_text="E.g. the top values of a text column.")

    class Meta:
        ordering = ["run", "name", "column"]
        indexes = [models.Index(fields=["product", "name", "run"], name="metric_product_name_run")]
        constraints = [
            models.UniqueConstraint(fields=["run", "name", "column"], name="unique_metric_per_run")
        ]

    def __str__(self):
        return f"{self.name}{'(' + self.column + ')' if self.column else ''} = {self.value}"


# --- Monitoring: alerts raised from a contract's observability.alerts ---------------------------


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    CRITICAL = "critical", "Critical"


class Alert(models.Model):
    """One episode of a contract alert rule holding for a product: opened when the rule's
    condition first holds, resolved when it clears (by itself) or by an owner. `rule_key`
    ("<type>:<condition>") identifies the rule across versions of the contract; a partial
    unique constraint keeps at most one unresolved alert per (product, rule), so concurrent
    sweeps and redelivered runs cannot open a second one."""

    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="alerts")
    rule_key = models.CharField(max_length=340)
    rule_type = models.CharField(max_length=30, help_text="The alert's type: freshness, volume, quality, …")
    condition = models.CharField(max_length=300, help_text="As written in the contract.")
    metric = models.CharField(
        max_length=200, blank=True, help_text="The metric compared, or the event name of an event alert."
    )
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices)
    state = models.CharField(max_length=15, choices=AlertState.choices, default=AlertState.OPEN)
    message = models.TextField(blank=True, help_text="What was measured when the alert last held.")
    last_value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    run = models.ForeignKey(
        QualityRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The newest run that measured the condition; empty for the freshness sweep.",
    )
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(help_text="The last time the condition was seen holding.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the alert resolved by itself.",
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "rule_key"],
                condition=~models.Q(state="resolved"),
                name="one_unresolved_alert_per_rule",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "state", "-opened_at"], name="alert_product_state"),
            models.Index(fields=["state", "-opened_at"], name="alert_state_opened"),
        ]

    def __str__(self):
        return f"{self.severity} alert {self.rule_key} on product {self.product_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state != AlertState.RESOLVED


class AlertEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertEvent(models.Model):
    """Every change of an alert's state is a row (healthchecks' Flip); notifying is a separate
    step that reads these rows."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=AlertEventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the monitoring itself changed the state.",
    )
    value = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["alert", "at", "id"]
        indexes = [models.Index(fields=["alert", "at"], name="alert_event_alert_at")]

    def __str__(self):
        return f"alert {self.alert_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class AlertNotification(models.Model):
    """One delivery of an alert event on one channel; the delivery task retries it with backoff
    and records each attempt here, never blocking the run that raised the alert."""

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    target = models.TextField(help_text="The webhook URL, or the comma-separated recipients.")
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="one_notification_per_event_channel")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="alert_notification_status")]

    def __str__(self):
        return f"{self.channel} notification of alert event {self.event_id} ({self.status})"


# --- Compliance: reports, their history, waivers (governance.compliance) ---------------------------


class ComplianceTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Daily schedule"
    MANUAL = "manual", "On demand"
    COMMAND = "command", "Command line"


class ComplianceReport(models.Model):
    """One evaluation of every product, with the organization's summary. Reports are never
    edited after they finish: the history of scores is the list of finished reports."""

    as_of = models.DateField(help_text="The day the waivers and rules were evaluated for.")
    trigger = models.CharField(max_length=10, choices=ComplianceTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy_set_version = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    product_count = models.PositiveIntegerField(default=0)
    compliant_count = models.PositiveIntegerField(
        default=0, help_text="Products with no open error or critical."
    )
    score = models.FloatField(
        null=True, blank=True, help_text="Mean product score, 0-100 (docs/compliance.md)."
    )
    by_severity = models.JSONField(default=dict, blank=True, help_text="Open violations per severity.")
    by_policy = models.JSONField(
        default=dict, blank=True, help_text="Open violations (warning and worse) per policy."
    )
    waived_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["-finished_at"], name="compliance_report_finished")]

    def __str__(self):
        return f"compliance report {self.pk} of {self.as_of}"

    @property
    def open_count(self) -> int:
        """Open violations that count: warnings and worse (info findings are notes)."""
        return sum(n for severity, n in self.by_severity.items() if severity != "info")


class ComplianceDomainSummary(models.Model):
    report = models.ForeignKey(ComplianceReport, on_delete=models.CASCADE, related_name="domains")
    domain = models.ForeignKey("catalog.Domain", on_delete=models.CASCADE, related_name="+")
    product_count = models.PositiveIntegerField(default=0)
    compliant_count = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True, blank=True)
    by_severity = models.JSONField(default=dict, blank=True)
    by_policy = models.JSONField(default=dict, blank=True)
    waived_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["report", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["report", "domain"], name="unique_domain_summary_per_report")
        ]

    def __str__(self):
        return f"{self.domain_id} in report {self.report_id}"


class ProductCompliance(models.Model):
    """One product in one report: the version evaluated, its score and its counts (the
    violations themselves are ComplianceViolation rows, so drill-downs filter on indexes)."""

    report = models.ForeignKey(ComplianceReport, on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="compliance")
    domain = models.ForeignKey("catalog.Domain", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "catalog.ProductVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version_label = models.CharField(max_length=64, blank=True)
    version_status = models.CharField(max_length=20, blank=True)
    score = models.FloatField()
    compliant = models.BooleanField()
    critical_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    info_count = models.PositiveIntegerField(default=0)
    waived_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["report", "score", "product"]
        constraints = [
            models.UniqueConstraint(fields=["report", "product"], name="unique_product_per_report")
        ]
        indexes = [
            models.Index(fields=["report", "score"], name="pcompliance_report_score"),
            models.Index(fields=["report", "domain", "score"], name="pcompliance_report_domain"),
            models.Index(fields=["product", "-report"], name="pcompliance_product_history"),
        ]

    def __str__(self):
        return f"{self.product_id} in report {self.report_id}: {self.score:g}"


class ComplianceViolation(models.Model):
    report = models.ForeignKey(ComplianceReport, on_delete=models.CASCADE, related_name="violations")
    product_report = models.ForeignKey(ProductCompliance, on_delete=models.CASCADE, related_name="violations")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey("catalog.Domain", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    policy = models.CharField(max_length=100)
    severity = models.CharField(max_length=10)
    field = models.CharField(max_length=300, blank=True)
    message = models.TextField()
    fix = models.TextField(blank=True)
    measured = models.BooleanField(default=False, help_text="Found in the latest quality run's results.")
    waiver = models.ForeignKey(
        "Waiver",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The waiver that covered it when the report ran.",
    )

    class Meta:
        ordering = ["product_report", "position"]
        indexes = [
            models.Index(fields=["report", "domain", "policy"], name="cviolation_report_domain"),
            models.Index(fields=["report", "policy", "severity"], name="cviolation_report_policy"),
        ]

    def __str__(self):
        return f"{self.severity} {self.policy}: {self.message[:60]}"

    @property
    def waived(self) -> bool:
        return self.waiver_id is not None


class WaiverEnd(models.TextChoices):
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class Waiver(models.Model):
    """A governance lead's time-limited exception: one policy, one product, until `expires_on`
    (inclusive, in TIME_ZONE). Reads judge a waiver by its date, never by `ended_at`: the daily
    sweep only records the end (and audits it), so a waiver never hides a violation a day longer."""

    product = models.ForeignKey("catalog.DataProduct", on_delete=models.CASCADE, related_name="waivers")
    policy = models.CharField(max_length=100)
    reason = models.TextField()
    expires_on = models.DateField(help_text="The last day the waiver applies.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=WaiverEnd.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "policy"],
                condition=models.Q(ended_at__isnull=True),
                name="one_live_waiver",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | ~models.Q(end_reason=""),
                name="ended_waiver_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_on"], condition=models.Q(ended_at__isnull=True), name="waiver_live_expiry"
            ),
        ]

    def __str__(self):
        return f"waiver #{self.pk}: {self.policy} on product {self.product_id} until {self.expires_on}"

    def applies_on(self, day) -> bool:
        return self.ended_at is None and self.expires_on >= day

    def snapshot(self) -> dict:
        return {
            "policy": self.policy,
            "expires_on": self.expires_on.isoformat(),
            "reason": self.reason,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "end_reason": self.end_reason,
        }
