"""Product: feature_usage (volume jump in the newest partition), product_events (schema drift in
the newest partition) and user_engagement (derived from the events; clean)."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import vocabulary
from .base import Generation, Problem, pick, sql_date, sql_ts, weighted

DRIFT_COLUMN = "client_sdk_version"


def _day_window(day: str, anchor: datetime) -> str:
    """Seconds of `day` that can hold data: the whole day, or up to the anchor on the anchor's day."""
    return f"least(86399, epoch({sql_ts(anchor)}) - epoch(CAST({day} AS TIMESTAMP)))"


def feature_usage(gen: Generation) -> list[Problem]:
    """One row per user, feature and day. Seeded: the newest partition holds 3x the usual rows
    (a client release started reporting usage of every signed-in user, not a sample)."""
    key = "product/feature_usage"
    days = gen.size(small=30, full=180)
    per_day = gen.size(small=200, full=2_000)
    users = gen.size(small=1_000, full=30_000)
    accounts = users // 12
    anchor = gen.ago(minutes=30)
    last_day = anchor.date()
    first_day = last_day - timedelta(days=days - 1)
    gen.sql("CREATE TABLE features (idx INTEGER, feature_key VARCHAR, feature_area VARCHAR, beta BOOLEAN)")
    gen.con.executemany(
        "INSERT INTO features VALUES (?, ?, ?, ?)", [(i, *f) for i, f in enumerate(vocabulary.FEATURES)]
    )
    plan = weighted(
        "rnd(account_no, 'plan')", [("free", 40), ("starter", 25), ("pro", 25), ("enterprise", 10)]
    )
    platform = weighted("rnd(rk, 'platform')", [("web", 62), ("ios", 15), ("android", 13), ("api", 10)])
    gen.sql(f"""
        CREATE TABLE feature_usage AS
        WITH day_rows AS (
            SELECT d, {sql_date(first_day)} + d::INTEGER AS usage_date,
                   CASE WHEN d = {days - 1} THEN {3 * per_day}
                        ELSE {per_day} - {per_day // 20} + rint(d, 'volume', 0, {per_day // 10}) END AS row_count
            FROM range({days}) r(d)
        ), expanded AS (
            SELECT d, usage_date, unnest(range(row_count)) AS k FROM day_rows
        ), drawn AS (
            SELECT *, hash(d, k) AS rk,
                   -- a stride coprime with the user count gives distinct users within a day
                   1 + (k * 7919 + d * 31) % {users} AS user_no
            FROM expanded
        ), placed AS (
            SELECT drawn.*, f.feature_key, f.feature_area, f.beta, (user_no % {accounts}) + 1 AS account_no,
                   CAST(usage_date AS TIMESTAMP) AS day_start, {_day_window("usage_date", anchor)} AS window_seconds,
                   CAST(floor(1 / (rnd(rk, 'count') * 0.98 + 0.02)) AS INTEGER) AS usage_count
            FROM drawn JOIN features f ON f.idx = rint(rk, 'feature', 0, {len(vocabulary.FEATURES) - 1})
        ), timed AS (
            SELECT *, day_start + to_seconds(CAST(rnd(rk, 'first') * window_seconds * 0.8 AS BIGINT)) AS first_used_at
            FROM placed
        )
        SELECT 'FU-' || strftime(usage_date, '%Y%m%d') || '-' || lpad(user_no::VARCHAR, 6, '0') || '-' || feature_key
                   AS usage_id,
               usage_date, feature_key, feature_area,
               'ACC-' || lpad(account_no::VARCHAR, 5, '0') AS account_id,
               'U' || lpad(user_no::VARCHAR, 6, '0') AS user_id,
               {plan} AS plan_tier, {platform} AS platform,
               least(usage_count, 50) AS usage_count,
               least(usage_count, 50) * rint(rk, 'duration', 2000, 120000) AS total_duration_ms,
               first_used_at,
               first_used_at + to_seconds(CAST(rnd(rk, 'last')
                   * (epoch(day_start) + window_seconds - epoch(first_used_at)) AS BIGINT)) AS last_used_at,
               beta AND d >= {days // 2} AS is_beta_feature
        FROM timed
    """)
    gen.write_partitioned(key, "feature_usage", order_by="usage_id")
    newest = gen.count("feature_usage", f"usage_date = {sql_date(last_day)}")
    previous = gen.scalar(
        f"SELECT AVG(c) FROM (SELECT COUNT(*) AS c FROM feature_usage WHERE usage_date < {sql_date(last_day)} "
        "GROUP BY usage_date)"
    )
    return [
        Problem(
            "volume_jump",
            "The newest partition holds about 3 times the rows of the previous ones.",
            newest,
            alert="volume",
            details={
                "partition": f"usage_date={last_day.isoformat()}",
                "rows": newest,
                "previous_partitions_avg_rows": round(float(previous), 1),
                "ratio": round(newest / float(previous), 2),
            },
        )
    ]


def product_events(gen: Generation) -> list[Problem]:
    """The clickstream, sessions of 1-15 events. Seeded: the newest partition's file has an extra
    column (`client_sdk_version`) that the contract does not declare; completeness below its SLA
    (event-specific columns are empty on the other events)."""
    key = "product/product_events"
    days = gen.size(small=7, full=30)
    sessions_per_day = gen.size(small=160, full=2_500)
    devices = gen.size(small=800, full=25_000)
    users = gen.size(small=1_000, full=30_000)
    anchor = gen.ago(minutes=20)
    last_day = anchor.date()
    first_day = last_day - timedelta(days=days - 1)
    features = [f[0] for f in vocabulary.FEATURES]
    event = weighted(
        "rnd(ek, 'event')",
        [
            ("click", 36),
            ("page_view", 24),
            ("feature_used", 20),
            ("search", 9),
            ("purchase", 2),
            ("logout", 9),
        ],
    )
    os_name = weighted(
        "rnd(device_no, 'os')", [("iOS", 22), ("Android", 20), ("Windows", 30), ("macOS", 20), ("Linux", 8)]
    )
    gen.sql(f"""
        CREATE TABLE product_events AS
        WITH sessions AS (
            SELECT s, s // {sessions_per_day} AS d,
                   -- a long tail: a few devices (power users) have many sessions
                   1 + CAST(floor({devices} * pow(rnd(s, 'device'), 3)) AS BIGINT) AS device_no,
                   rint(s, 'length', 1, 15) AS n, rnd(s, 'signed_in') < 0.65 AS signed_in
            FROM range({days * sessions_per_day}) r(s)
        ), session_times AS (
            SELECT *, {sql_date(first_day)} + d::INTEGER AS event_date,
                   CAST({sql_date(first_day)} + d::INTEGER AS TIMESTAMP)
                       + to_seconds(CAST(rnd(s, 'start') * greatest(0, {_day_window(f"{sql_date(first_day)} + d::INTEGER", anchor)} - n * 55) AS BIGINT))
                       AS session_start
            FROM sessions
        ), events AS (
            SELECT *, unnest(range(n)) AS k FROM session_times
        ), timed AS (
            SELECT *, hash(s, k) AS ek,
                   least(session_start + to_seconds(k * 30 + rint(hash(s, k), 'jitter', 0, 24)),
                         {sql_ts(anchor)}, CAST(event_date AS TIMESTAMP) + INTERVAL 86399 SECOND) AS event_time
            FROM events
        ), named AS (
            SELECT *, CASE WHEN k = 0 THEN CASE WHEN signed_in AND rnd(s, 'login') < 0.3 THEN 'login'
                                                WHEN NOT signed_in AND rnd(s, 'signup') < 0.04 THEN 'signup'
                                                ELSE 'page_view' END
                           ELSE {event} END AS event_name
            FROM timed
        ), hexed AS (
            SELECT *, md5('{gen.seed}-' || s::VARCHAR || '-' || k::VARCHAR) AS hex FROM named
        )
        SELECT
            -- a UUID (version 4 layout) from the hash
            substr(hex, 1, 8) || '-' || substr(hex, 9, 4) || '-4' || substr(hex, 14, 3) || '-a' || substr(hex, 18, 3)
                || '-' || substr(hex, 21, 12) AS event_id,
            event_date, event_time, event_name,
            CASE WHEN signed_in THEN 'U' || lpad((1 + device_no % {users})::VARCHAR, 6, '0') END AS user_id,
            'anon-' || substr(md5('device-' || device_no::VARCHAR), 1, 12) AS anonymous_id,
            'S' || lpad((s + 1)::VARCHAR, 8, '0') AS session_id,
            {{'os': {os_name},
              'os_version': CASE {os_name} WHEN 'iOS' THEN {pick(["16.7", "17.4", "17.5", "18.0"], "device_no", "os_version")}
                                           WHEN 'Android' THEN {pick(["12", "13", "14"], "device_no", "os_version")}
                                           WHEN 'Windows' THEN {pick(["10", "11"], "device_no", "os_version")}
                                           WHEN 'macOS' THEN {pick(["13.6", "14.4", "14.5"], "device_no", "os_version")}
                                           ELSE {pick(["6.5", "6.8"], "device_no", "os_version")} END,
              'browser': CASE WHEN {os_name} IN ('iOS', 'Android') AND rnd(device_no, 'app') < 0.7 THEN 'App'
                              ELSE {pick(["Chrome", "Safari", "Firefox", "Edge"], "device_no", "browser")} END,
              'model': CASE {os_name} WHEN 'iOS' THEN {pick(["iPhone 14", "iPhone 15", "iPhone 15 Pro", "iPad Air"], "device_no", "model")}
                                      WHEN 'Android' THEN {pick(["Pixel 8", "Galaxy S23", "Galaxy A54", "OnePlus 12"], "device_no", "model")}
                                      ELSE 'Desktop' END}} AS device,
            {{'path': CASE event_name WHEN 'purchase' THEN '/checkout' WHEN 'search' THEN '/search'
                                     WHEN 'feature_used' THEN '/app/' || {pick(features, "ek", "feature")}
                                     ELSE {pick(["/", "/pricing", "/dashboard", "/reports/weekly", "/settings/team", "/integrations", "/docs/getting-started"], "ek", "path")} END,
              'referrer': CASE WHEN k = 0 THEN {pick(["direct", "search", "newsletter", "social", "partner"], "s", "ref")} END,
              'locale': {pick(["en-US", "en-US", "en-GB", "de-DE", "fr-FR", "ja-JP", "pt-BR"], "device_no", "locale")}}} AS page,
            CASE WHEN rnd(device_no, 'experiments') < 0.5 THEN []::VARCHAR[]
                 ELSE list_sort([{pick(["checkout_v2:a", "checkout_v2:b"], "device_no", "exp1")},
                                 {pick(["onboarding_tour:control", "onboarding_tour:tour"], "device_no", "exp2")}]
                                [1:rint(device_no, 'exp_n', 1, 2)]) END AS experiments,
            CASE WHEN event_name = 'feature_used' THEN {pick(features, "ek", "feature")} END AS feature_key,
            CAST(epoch_ms(lead(event_time) OVER (PARTITION BY s ORDER BY k)) - epoch_ms(event_time) AS INTEGER) AS duration_ms,
            CASE WHEN event_name = 'purchase' THEN round(9.99 + rnd(ek, 'revenue') * 490, 2)::DECIMAL(10, 2) END AS revenue,
            row_number() OVER (PARTITION BY device_no ORDER BY event_time, s, k) AS event_sequence,
            device_no % 50 = 0 AS is_internal_user,
            device_no, s, k,
            CASE WHEN event_date = {sql_date(last_day)} THEN {pick(["5.0.0", "5.0.1"], "device_no", "sdk")} END
                AS {DRIFT_COLUMN}
        FROM hexed
    """)
    # every partition but the newest as the contract says; the newest with the undeclared column
    newest = f"event_date = {sql_date(last_day)}"
    gen.write_partitioned(key, "product_events", order_by="event_time, event_id", where=f"NOT ({newest})")
    folder = gen.path_of(gen.contract(key)["schema"]["location"]) / f"event_date={last_day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    # like DuckDB's partitioned writes, the partition column lives in the folder name, not the file
    drifted = gen.conformed(
        key, "product_events", where=newest, extra=(DRIFT_COLUMN,), exclude=("event_date",)
    )
    gen.copy_to(f"{drifted} ORDER BY event_time, event_id", folder / "part-0.parquet", "FORMAT parquet")
    rows = gen.count("product_events", newest)
    return [
        Problem(
            "schema_drift",
            f"The SDK 5.0 release added `{DRIFT_COLUMN}` (string) to the newest partition; the contract does not declare it.",
            rows,
            alert="schema",
            details={
                "partition": f"event_date={last_day.isoformat()}",
                "extra_columns": {DRIFT_COLUMN: "string"},
                "rows": rows,
            },
        ),
        gen.completeness_problem(
            key,
            "product_events",
            "incomplete_event_columns",
            "Event-specific columns are empty on other events - feature_key but on feature_used, "
            "revenue but on purchase, user_id for anonymous visitors, duration_ms on a session's "
            "last event - so completeness over all fields is far below the 99.5% SLA.",
        ),
    ]


def user_engagement(gen: Generation) -> list[Problem]:
    """Weekly engagement of signed-in users, from the events before the nightly 03:00 run. Clean."""
    computed_at = gen.last_run(3)
    gen.sql(f"""
        CREATE TABLE user_engagement AS
        WITH weekly AS (
            SELECT user_id, CAST(date_trunc('week', event_date) AS DATE) AS week_start,
                   COUNT(DISTINCT session_id) AS sessions, COUNT(DISTINCT event_date) AS active_days,
                   COUNT(*) AS events_count,
                   list_sort(list_distinct(list(feature_key) FILTER (WHERE feature_key IS NOT NULL))) AS features_used
            FROM product_events
            WHERE user_id IS NOT NULL AND event_time < {sql_ts(computed_at)}
            GROUP BY ALL
        ), scored AS (
            SELECT *, round(least(active_days, 4) / 4 * 40 + least(events_count, 40) / 40 * 40
                            + least(coalesce(len(features_used), 0), 3) / 3 * 20, 2)::DECIMAL(5, 2) AS engagement_score
            FROM weekly
        )
        SELECT user_id || '|' || strftime(week_start, '%Y-%m-%d') AS engagement_id, user_id, week_start,
               sessions::INTEGER AS sessions, active_days::INTEGER AS active_days, events_count,
               -- a week without feature_used events has an empty list, not NULL (completeness SLA 99.9%)
               COALESCE(features_used, []::VARCHAR[]) AS features_used,
               round(events_count / sessions, 2) AS avg_events_per_session, engagement_score,
               engagement_score >= 80 AS is_power_user, {sql_ts(computed_at)} AS computed_at
        FROM scored
    """)
    gen.write_parquet_files("product/user_engagement", "user_engagement", order_by="engagement_id")
    return []
