"""The closed vocabularies of the contract format. Other code (governance, monitoring, the check
runners) imports these instead of repeating the lists."""

SEVERITIES = ("info", "warning", "error", "critical")
DEFAULT_SEVERITY = "critical"

DISCOVERY = ("public", "restricted")
DEFAULT_DISCOVERY = "public"

ACCESS_KINDS = ("role", "domain", "group", "team", "user")

CONSTRAINTS_BARE = ("unique", "not_null")
CONSTRAINTS_NUMBER = ("min", "max")
CONSTRAINTS_LENGTH = ("min_length", "max_length")
CONSTRAINTS = CONSTRAINTS_BARE + CONSTRAINTS_NUMBER + ("in", "pattern") + CONSTRAINTS_LENGTH

# Metrics the platform measures itself; a contract lists them by name. Per-column metrics are
# measured for every column of the product's table.
BUILTIN_METRICS = {
    "row_count": "number of rows in the product's table",
    "row_count_change": "percent change of row_count since the previous measurement",
    "null_count": "number of NULL cells, per column",
    "null_percentage_by_column": "percent of NULL values, per column",
    "null_rate": "percent of NULL cells over all columns",
    "completeness": "percent of non-NULL cells over all columns (100 - null_rate)",
    "distinct_count": "number of distinct values, per column",
    "duplicate_count": "number of values that occur more than once, per column",
    "value_distribution": "counts of the most frequent values, per column",
    "min": "smallest value, per numeric or date column",
    "max": "largest value, per numeric or date column",
    "avg": "mean value, per numeric column",
    "sum": "sum, per numeric column",
    "age_hours": "hours since the newest sla.freshness.timestamp_field value (else the last update)",
    "schema_drift": "number of columns added, removed or retyped compared with the contract's schema",
    "quality_checks_failed": "number of quality checks that failed in the latest run",
}

# Events an alert can name instead of a `<metric> <op> <number>` condition.
ALERT_EVENTS = {
    "quality_check_failed": "a quality check exceeded its threshold",
    "quality_run_failed": "a quality run could not complete (error or timeout)",
    "schema_drift_detected": "the table's columns differ from the contract's schema",
    "freshness_violation": "the data is older than sla.freshness.max_age_hours",
    "completeness_violation": "completeness fell below sla.completeness.min_threshold",
    "availability_violation": "availability fell below sla.availability",
}

ALERT_OPS = (">=", "<=", "==", "!=", ">", "<")

# Paths whose values are dates: the document keeps them as "YYYY-MM-DD" strings and the export
# writes them back as YAML dates. "*" stands for any list index.
DATE_PATHS = (
    ("changelog", "*", "date"),
    ("deprecation", "notice_date"),
    ("deprecation", "sunset_date"),
)
