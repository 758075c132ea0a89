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
            models.UniqueConstraint(fields=["policy_set", "kind", "domain", "name"], name="unique_policy_in_set")
        ]

    def __str__(self):
        return f"{self.kind}:{self.domain + '/' if self.domain else ''}{self.name}"
