"""The catalog: domains, teams, people, data products and their versioned contracts.

A product's *current* version is its newest published one; `DataProduct.current_version`
points at it so that lists and search read one row per product. Only the publish services
move that pointer (catalog.services), always in the same transaction as the status change.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from .querysets import DataProductQuerySet


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


CLASSIFICATION_RANK = {c.value: i for i, c in enumerate(Classification)}


class Discovery(models.TextChoices):
    PUBLIC = "public", "Public"
    RESTRICTED = "restricted", "Restricted"


class Domain(models.Model):
    name = models.SlugField(max_length=100, unique=True)
    bounded_context = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    name = models.SlugField(max_length=100, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="teams")
    contact = models.EmailField(blank=True)
    slack = models.CharField(max_length=100, blank=True)
    webhook_url = models.URLField(blank=True, help_text="Slack-compatible webhook for alerts.")
    webhook_secret = models.CharField(
        max_length=200, blank=True, help_text="Signs webhook bodies (HMAC-SHA256); empty means unsigned."
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamRole(models.TextChoices):
    PRODUCT_OWNER = "product_owner", "Product owner"
    DATA_ENGINEER = "data_engineer", "Data engineer"
    ANALYTICS_ENGINEER = "analytics_engineer", "Analytics engineer"


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=TeamRole.choices, default=TeamRole.DATA_ENGINEER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"


class ConsumerRole(models.TextChoices):
    ANALYST = "analyst", "Analyst"
    DATA_SCIENTIST = "data_scientist", "Data scientist"
    DATA_ENGINEER = "data_engineer", "Data engineer"
    ANALYTICS_ENGINEER = "analytics_engineer", "Analytics engineer"
    PRODUCT_OWNER = "product_owner", "Product owner"
    GOVERNANCE_LEAD = "governance_lead", "Governance lead"


class Profile(models.Model):
    """Optional: a user without one (createsuperuser, SSO) has no role and no home domain."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    consumer_role = models.CharField(max_length=30, choices=ConsumerRole.choices, blank=True)
    home_domain = models.ForeignKey(
        Domain, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_governance_lead = models.BooleanField(default=False)

    def __str__(self):
        return f"profile of {self.user}"


class Tag(models.Model):
    name = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class QualityHealth(models.TextChoices):
    UNKNOWN = "unknown", "Not measured"
    PASSING = "passing", "Passing"
    WARNING = "warning", "Warnings"
    FAILING = "failing", "Failing"


class FreshnessStatus(models.TextChoices):
    UNKNOWN = "unknown", "Not measured"
    FRESH = "fresh", "Fresh"
    LATE = "late", "Late"
    STALE = "stale", "Stale"


class DataProduct(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="products")
    name = models.SlugField(max_length=150)
    owning_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="products")
    # Denormalized from the current (else newest) version so lists and facets read one row.
    description = models.TextField(blank=True)
    classification = models.CharField(max_length=20, blank=True, db_index=True)
    discovery = models.CharField(max_length=20, choices=Discovery.choices, default=Discovery.PUBLIC)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    current_version = models.ForeignKey(
        "ProductVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        max_length=500, blank=True, help_text="Where the contract comes from (a synced folder), if anywhere."
    )
    # Denormalized for the search facets, which group and filter by plain columns of this row
    # (no join per visible product): the current version's status (`draft` when none is
    # published) and whether the shown version has a PII field. Kept by the publish service
    # (`_refresh_product`), the only writer of `current_version`.
    version_status = models.CharField(max_length=20, default="draft", db_default="draft")
    contains_pii = models.BooleanField(default=False, db_default=False)
    # Monitoring state, kept by the monitoring sweeps; indexed so a sweep reads only what is due
    # and the search facets filter on one column.
    quality_health = models.CharField(
        max_length=10, choices=QualityHealth.choices, default=QualityHealth.UNKNOWN, db_index=True
    )
    freshness_status = models.CharField(
        max_length=10, choices=FreshnessStatus.choices, default=FreshnessStatus.UNKNOWN, db_index=True
    )
    data_updated_at = models.DateTimeField(null=True, blank=True, help_text="Newest data as last measured.")
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    freshness_deadline_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When the freshness state must next be re-evaluated."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DataProductQuerySet.as_manager()

    class Meta:
        ordering = ["domain__name", "name"]
        constraints = [models.UniqueConstraint(fields=["domain", "name"], name="unique_product_per_domain")]
        # Browsing sorts by name and by last update: walked in index order, a page is read
        # without sorting every visible product.
        indexes = [
            models.Index(fields=["name"], name="catalog_product_name"),
            models.Index(fields=["-updated_at", "-id"], name="catalog_product_updated"),
            # Everything the search facets group by and visibility reads, in one narrow index:
            # counting every visible product is an index-only scan in group order (PostgreSQL).
            models.Index(
                fields=[
                    "domain",
                    "owning_team",
                    "classification",
                    "version_status",
                    "contains_pii",
                    "quality_health",
                    "freshness_status",
                ],
                include=["id", "discovery", "current_version"],
                name="catalog_product_facets",
            ),
        ]
        permissions = [("read_data", "Can read the product's data")]

    def __str__(self):
        return f"{self.domain.name}/{self.name}" if self.domain_id else self.name

    @property
    def ref(self) -> str:
        return f"{self.domain.name}/{self.name}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


class ContractFormat(models.TextChoices):
    SEED = "seed", "Mesh Portal contract"
    ODCS = "odcs", "Open Data Contract Standard"
    DCS = "dcs", "Data Contract Specification"


class ProductVersion(models.Model):
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=64)
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    patch = models.PositiveIntegerField()
    prerelease = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    contract_text = models.TextField(help_text="The contract as submitted.")
    source_format = models.CharField(
        max_length=10, choices=ContractFormat.choices, default=ContractFormat.SEED
    )
    document = models.JSONField(
        help_text="The contract as loaded, values as submitted (dates as ISO strings)."
    )
    contract = models.JSONField(help_text="The normalized contract: defaults applied, values parsed.")
    violations = models.JSONField(default=list, blank=True)
    changelog_entry = models.JSONField(default=dict, blank=True)
    breaking = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="unique_version_per_product"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=False) | Q(status="draft"),
                name="non_draft_has_published_at",
            ),
        ]
        indexes = [models.Index(fields=["product", "status"])]

    def __str__(self):
        return f"{self.product_id}@{self.version}"

    @property
    def is_immutable(self) -> bool:
        return self.status != VersionStatus.DRAFT

    @property
    def sort_key(self) -> tuple:
        # A release sorts after its pre-releases (semver rule 11).
        return (self.major, self.minor, self.patch, self.prerelease == "", self.prerelease)


class SchemaField(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    constraints = models.JSONField(default=list, blank=True)
    is_primary_key = models.BooleanField(default=False)
    is_pii = models.BooleanField(default=False)
    pii_category = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="unique_field_per_version")]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return f"{self.name} {self.type}"


class OutputPort(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="output_ports")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=50)
    location = models.CharField(max_length=1000)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "position"]

    def __str__(self):
        return f"{self.name} ({self.type}) {self.location}"


class InputPort(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="input_ports")
    product_ref = models.CharField(max_length=300, help_text="<domain>/<name> of the upstream product.")
    table = models.CharField(max_length=200, help_text="The name this product's SQL uses for it.")
    upstream = models.ForeignKey(
        DataProduct, on_delete=models.SET_NULL, null=True, blank=True, related_name="downstream_ports"
    )

    class Meta:
        ordering = ["version", "table"]
        constraints = [models.UniqueConstraint(fields=["version", "table"], name="unique_input_table")]

    def __str__(self):
        return f"{self.table} <- {self.product_ref}"


class ServiceLevel(models.Model):
    version = models.OneToOneField(ProductVersion, on_delete=models.CASCADE, related_name="sla")
    availability = models.FloatField(null=True, blank=True, help_text="Percent.")
    freshness_max_age_hours = models.FloatField(null=True, blank=True)
    update_schedule = models.CharField(max_length=100, blank=True)
    timestamp_field = models.CharField(max_length=200, blank=True)
    completeness_min = models.FloatField(null=True, blank=True, help_text="Percent.")

    def __str__(self):
        return f"SLA of {self.version}"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {s.value: i for i, s in enumerate(Severity)}


class QualityCheck(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="quality_checks")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    query = models.TextField()
    threshold = models.FloatField(default=0)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.CRITICAL)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="unique_check_per_version")]

    def __str__(self):
        return self.name


class Metric(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="metrics")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    sql = models.TextField(blank=True)
    builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "position"]

    def __str__(self):
        return self.name


class AlertRule(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="alert_rules")
    position = models.PositiveIntegerField()
    type = models.CharField(max_length=30)
    condition = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.CRITICAL)

    class Meta:
        ordering = ["version", "position"]

    def __str__(self):
        return f"{self.type}: {self.condition}"


class AccessMode(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class AccessRule(models.Model):
    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="access_rules")
    mode = models.CharField(max_length=10, choices=AccessMode.choices)
    principal_kind = models.CharField(max_length=20, help_text="role, domain, group, team or user")
    principal = models.CharField(max_length=200)

    class Meta:
        ordering = ["version", "mode", "principal_kind", "principal"]

    def __str__(self):
        return f"{self.mode} {self.principal_kind}:{self.principal}"


class SearchDocument(models.Model):
    """What search reads: one row per product, rebuilt from its current (else newest) version by
    `catalog.search.search_document_refresh()` whenever a version is published.

    The texts are lower-cased with `_`/`-` turned into spaces, in four weights: `name_words`
    (A), `keywords` (B: domain, team, tags, field names), `body` (C: description, field
    descriptions) and `readme` (D). SQLite stores them and searches them with LIKE. PostgreSQL
    stores them as the weighted tsvector `vector` (the texts stay empty there: a narrow row is
    fewer pages per search); its GIN index, the trigram and prefix indexes on `name_words` and
    the pg_trgm extension are created by migration 0002 only on PostgreSQL, so on SQLite the
    column exists (SQLite accepts any column type) but stays NULL and unindexed.
    """

    product = models.OneToOneField(
        DataProduct, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    name_words = models.CharField(max_length=300)
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)
    readme = models.TextField(blank=True)
    has_pii = models.BooleanField(default=False)
    field_count = models.PositiveIntegerField(default=0)
    vector = SearchVectorField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)
    # The product row's columns that a text search filters, counts and sorts its matches by,
    # and those its visibility rule reads: copied by PostgreSQL triggers (migration 0006) when
    # the document is written and whenever they change on the product, in the same transaction.
    # So a search reads its matches' documents and not their product rows. Python never writes
    # them; SQLite, whose search reads the product rows, leaves them at their defaults.
    listed = models.BooleanField(default=False, help_text="Published with `discovery: public`.")
    published = models.BooleanField(default=False, help_text="The product has a current version.")
    name = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    domain_id = models.BigIntegerField(null=True, blank=True)
    owning_team_id = models.BigIntegerField(null=True, blank=True)
    classification = models.CharField(max_length=20, blank=True)
    version_status = models.CharField(max_length=20, blank=True)
    contains_pii = models.BooleanField(default=False)
    quality_health = models.CharField(max_length=10, blank=True)
    freshness_status = models.CharField(max_length=10, blank=True)

    def __str__(self):
        return f"search document of product {self.product_id}"


class FacetCount(models.Model):
    """How many products have each combination of the search facets' columns, as signed
    increments that add up: PostgreSQL triggers on the product table insert -1 for a row's old
    combination and +1 for its new one in the transaction that changes it (migration 0005), so
    any snapshot sums to exactly the products it sees. `listed`: published with `discovery:
    public`, what everyone signed in may see. A browse of the catalog sums these few thousand
    rows instead of grouping every visible product. `facet_counts_compact()` folds the
    increments (a beat sweep). Empty on SQLite, which counts products directly.
    """

    listed = models.BooleanField()
    domain_id = models.BigIntegerField()
    owning_team_id = models.BigIntegerField()
    classification = models.CharField(max_length=20, blank=True)
    version_status = models.CharField(max_length=20)
    contains_pii = models.BooleanField()
    quality_health = models.CharField(max_length=10)
    freshness_status = models.CharField(max_length=10)
    n = models.IntegerField()

    def __str__(self):
        return f"{self.n:+d} products (listed={self.listed})"


class TagCount(models.Model):
    """How many products carry each tag, listed or not, as signed increments kept by triggers on
    the product-tag links and on the product table (see FacetCount)."""

    listed = models.BooleanField()
    tag_id = models.BigIntegerField()
    n = models.IntegerField()

    def __str__(self):
        return f"{self.n:+d} products with tag {self.tag_id} (listed={self.listed})"


class SavedSearch(models.Model):
    """A signed-in user's bookmarked search: the canonical query string of /search/."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    query_string = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_saved_search_name")]

    def __str__(self):
        return f"{self.name} ({self.user_id})"
