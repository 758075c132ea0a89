"""Marketing: customer_segments (the customer master), campaign_performance (CSV, stale) and
lead_attribution (the product the publish gate blocks)."""

from __future__ import annotations

from datetime import timedelta

from . import vocabulary
from .base import Generation, Problem, pick, sql_date, sql_str, sql_ts, weighted

CHANNELS = [
    ("paid_search", 26),
    ("paid_social", 22),
    ("display", 16),
    ("email", 18),
    ("affiliate", 8),
    ("video", 10),
]
CHANNEL_LABELS = {
    "paid_search": "Paid Search",
    "paid_social": "Paid Social",
    "display": "Display",
    "email": "Email",
    "affiliate": "Affiliate",
    "video": "Video",
}
# impressions range, click-through rate range, conversion rate range, cost per thousand impressions
CHANNEL_ECONOMICS = {
    "paid_search": (5_000, 60_000, 0.030, 0.060, 0.04, 0.09, 18.0),
    "paid_social": (20_000, 200_000, 0.005, 0.015, 0.02, 0.05, 7.5),
    "display": (50_000, 500_000, 0.001, 0.005, 0.01, 0.03, 2.5),
    "email": (1_000, 30_000, 0.020, 0.050, 0.03, 0.08, 0.8),
    "affiliate": (2_000, 20_000, 0.010, 0.030, 0.05, 0.10, 12.0),
    "video": (10_000, 150_000, 0.003, 0.010, 0.01, 0.04, 9.0),
}


def customer_count(gen: Generation) -> int:
    return gen.size(small=5_000, full=200_000)


def customer_segments(gen: Generation) -> list[Problem]:
    """One row per customer; the `customers` table other domains join to. Clean."""
    n = customer_count(gen)
    run_at = gen.last_run(1)
    seg = "customer_segment(i + 1)"
    ltv = (
        f"CASE {seg} WHEN 'platinum' THEN 20000 + rnd(i, 'ltv') * 180000 WHEN 'gold' THEN 5000 + rnd(i, 'ltv') * 15000 "
        "WHEN 'silver' THEN 1000 + rnd(i, 'ltv') * 4000 ELSE 50 + rnd(i, 'ltv') * 950 END"
    )
    orders = (
        f"CASE {seg} WHEN 'platinum' THEN rint(i, 'orders', 40, 400) WHEN 'gold' THEN rint(i, 'orders', 15, 80) "
        "WHEN 'silver' THEN rint(i, 'orders', 5, 30) ELSE rint(i, 'orders', 1, 8) END"
    )
    gen.sql(f"""
        CREATE TABLE customers AS
        WITH base AS (
            SELECT i, {pick(vocabulary.FIRST_NAMES, "i", "first")} AS first_name,
                   {pick(vocabulary.LAST_NAMES, "i", "last")} AS last_name,
                   rint(i, 'city', 0, {gen.city_count - 1}) AS city_idx
            FROM range({n}) r(i)
        )
        SELECT
            'C' || lpad((i + 1)::VARCHAR, 7, '0') AS id,
            first_name || ' ' || last_name AS full_name,
            lower(first_name) || '.' || lower(last_name) || (i + 1)::VARCHAR || '@'
                || {pick(vocabulary.EMAIL_DOMAINS, "i", "domain")} AS email,
            c.country,
            {{'city': c.city, 'postal_code': c.postal || lpad(rint(i, 'postal', 0, 99)::VARCHAR, 2, '0')}} AS address,
            {seg} AS segment,
            round({ltv}, 2)::DECIMAL(14, 2) AS lifetime_value,
            {orders} AS orders_count,
            {sql_date(gen.today)} - rint(i, 'first_order', 30, 1500)::INTEGER AS first_order_date,
            round(rnd(i, 'churn') * rnd(i, 'churn2'), 4) AS churn_risk,
            rnd(i, 'opt_in') < 0.62 AS marketing_opt_in,
            list_sort(list_distinct([{pick(vocabulary.INTERESTS, "i", "interest1")},
                                     {pick(vocabulary.INTERESTS, "i", "interest2")},
                                     {pick(vocabulary.INTERESTS, "i", "interest3")}][1:rint(i, 'interests', 1, 3)]))
                AS interests,
            -- customers whose segment did not change keep the timestamp of the run that last changed it
            CASE WHEN rnd(i, 'changed') < 0.3 THEN {sql_ts(run_at)}
                 ELSE {sql_ts(run_at)} - to_days(rint(i, 'unchanged', 1, 90)::INTEGER) END AS segment_updated_at
        FROM base JOIN cities c ON c.idx = base.city_idx
    """)
    gen.write_parquet_files("marketing/customer_segments", "customers", order_by="id")
    return []


def campaign_performance(gen: Generation) -> list[Problem]:
    """Daily metrics per campaign as monthly CSV files. The export stalled 3 days ago: the newest
    `loaded_at` is exactly 72 hours before `now`."""
    key = "marketing/campaign_performance"
    campaigns = gen.size(small=30, full=240)
    days = gen.size(small=45, full=365)
    stalled_at = gen.ago(hours=72)
    last_day = stalled_at.date() - timedelta(days=1)
    first_day = last_day - timedelta(days=days - 1)
    channel = weighted("rnd(k, 'channel')", CHANNELS)
    label = "CASE channel " + " ".join(f"WHEN '{c}' THEN '{v}'" for c, v in CHANNEL_LABELS.items()) + " END"

    def economics(position: int) -> str:
        cases = " ".join(f"WHEN '{c}' THEN {values[position]}" for c, values in CHANNEL_ECONOMICS.items())
        return f"CAST(CASE channel {cases} END AS DOUBLE)"

    gen.sql(f"""
        CREATE TABLE campaigns AS
        SELECT k, 'CMP-' || lpad((k + 1)::VARCHAR, 4, '0') AS campaign_id, channel,
               {pick(vocabulary.CAMPAIGN_SEASONS, "k", "season")} || ' '
                   || {pick(vocabulary.CAMPAIGN_THEMES, "k", "theme")} || ' - ' || {label} AS campaign_name,
               rint(k, 'start', 0, {days - 1}) AS start_day,
               CASE WHEN rnd(k, 'always_on') < 0.15 THEN 100000 ELSE rint(k, 'length', 14, 120) END AS length_days
        FROM (SELECT k, {channel} AS channel FROM range({campaigns}) r(k))
    """)
    gen.sql(f"""
        CREATE TABLE campaign_performance AS
        WITH rows AS (
            SELECT c.*, d, {sql_date(first_day)} + d::INTEGER AS report_date, hash(k, d) AS rk,
                   start_day + length_days - 1 AS end_day
            FROM campaigns c, range({days}) r(d)
            WHERE d >= start_day AND d < start_day + length_days
        ), metrics AS (
            SELECT *,
                   round({economics(0)} + rnd(rk, 'imp') * ({economics(1)} - {economics(0)}))::BIGINT AS impressions,
                   {economics(2)} + rnd(rk, 'ctr') * ({economics(3)} - {economics(2)}) AS ctr_raw,
                   {economics(4)} + rnd(rk, 'cvr') * ({economics(5)} - {economics(4)}) AS cvr,
                   {economics(6)} * (0.8 + rnd(rk, 'cpm') * 0.4) AS cpm
            FROM rows
        ), counted AS (
            SELECT *, round(impressions * ctr_raw)::INTEGER AS clicks FROM metrics
        )
        SELECT campaign_id || '-' || strftime(report_date, '%Y%m%d') AS record_id, report_date, campaign_id,
               campaign_name, channel, impressions, clicks,
               round(clicks * cvr)::INTEGER AS conversions,
               round(impressions * cpm / 1000, 2)::DECIMAL(12, 2) AS spend,
               round(round(clicks * cvr) * (30 + rnd(rk, 'aov') * 120), 2)::DECIMAL(12, 2) AS attributed_revenue,
               round(clicks / impressions, 6) AS ctr,
               end_day > d OR end_day >= {days - 1} AS is_active,
               {sql_ts(stalled_at)} - to_days(({days - 1} - d)::INTEGER) AS loaded_at
        FROM counted
    """)
    path = gen.clear(key)
    path.mkdir(parents=True)
    months = [
        row[0]
        for row in gen.sql(
            "SELECT DISTINCT strftime(report_date, '%Y-%m') FROM campaign_performance ORDER BY 1"
        ).fetchall()
    ]
    for month in months:
        query = gen.conformed(
            key, "campaign_performance", where=f"strftime(report_date, '%Y-%m') = {sql_str(month)}"
        )
        gen.copy_to(
            f"{query} ORDER BY record_id", path / f"campaign_performance_{month}.csv", "FORMAT csv, HEADER"
        )
    return [
        Problem(
            id="stale_data",
            description="The ad-platform export stalled: no row loaded in the last 72 hours (freshness SLA: 24 hours).",
            alert="freshness",
            details={
                "timestamp_field": "loaded_at",
                "max_timestamp": stalled_at.isoformat(),
                "age_hours": 72.0,
            },
        )
    ]


def lead_attribution(gen: Generation) -> list[Problem]:
    """Touchpoints of leads with attribution weights. Some touchpoints name campaigns the ad
    platforms never reported (deleted campaigns): the `known_campaigns` check finds them."""
    key = "marketing/lead_attribution"
    leads = gen.size(small=1_200, full=40_000)
    campaigns = gen.count("campaigns")
    anchor = gen.ago(hours=2)
    span_seconds = gen.size(small=60, full=365) * 86400
    models = weighted("rnd(lead, 'model')", [("linear", 40), ("time_decay", 35), ("position_based", 25)])
    gen.sql(f"""
        CREATE TABLE lead_attribution AS
        WITH lead_rows AS (
            SELECT lead, rint(lead, 'touches', 1, 6) AS n, rint(lead, 'gap', 3600, 259200) AS gap_seconds,
                   {pick(vocabulary.FIRST_NAMES, "lead", "first")} AS first_name,
                   {pick(vocabulary.LAST_NAMES, "lead", "last")} AS last_name,
                   {pick(vocabulary.COMPANIES, "lead", "company")} AS company_name,
                   {pick(vocabulary.COMPANY_SUFFIXES, "lead", "suffix")} AS suffix,
                   {models} AS attribution_model,
                   round(1000 + rnd(lead, 'pipeline') * rnd(lead, 'pipeline2') * 249000, -2)::DECIMAL(12, 2) AS pipeline_value,
                   rnd(lead, 'converted') < 0.18 AS converted
            FROM range({leads}) r(lead)
        ), touches AS (
            SELECT *, unnest(range(n)) AS t FROM lead_rows
        ), raw AS (
            SELECT *, hash(lead, t) AS tk, rnd(hash(lead, t), 'orphan') < 0.01 AS _orphan,
                   CASE attribution_model
                       WHEN 'linear' THEN 1.0
                       WHEN 'time_decay' THEN pow(2.0, t - (n - 1))
                       ELSE CASE WHEN n <= 2 THEN 1.0 WHEN t = 0 OR t = n - 1 THEN 0.4 ELSE 0.2 / (n - 2) END
                   END AS raw_weight,
                   {sql_ts(anchor)} - to_seconds(((n - 1 - t) * gap_seconds
                       + CAST(rnd(lead, 'start') * {span_seconds} AS BIGINT))::BIGINT) AS touched_at
            FROM touches
        )
        SELECT 'TP-' || lpad((lead + 1)::VARCHAR, 6, '0') || '-' || (t + 1)::VARCHAR AS touchpoint_id,
               'L-' || lpad((lead + 1)::VARCHAR, 6, '0') AS lead_id,
               lower(first_name) || '.' || lower(last_name) || '@'
                   || lower(replace(replace(company_name, ' ', ''), '''', '')) || '.example' AS contact_email,
               first_name || ' ' || last_name AS contact_name,
               company_name || ' ' || suffix AS company,
               CASE WHEN _orphan THEN 'CMP-' || (9000 + rint(tk, 'ghost', 0, 999))::VARCHAR
                    ELSE 'CMP-' || lpad(rint(tk, 'campaign', 1, {campaigns})::VARCHAR, 4, '0') END AS campaign_id,
               CASE WHEN n = 1 THEN 'only_touch' WHEN t = 0 THEN 'first_touch' WHEN t = n - 1 THEN 'last_touch'
                    ELSE 'middle_touch' END AS touch_type,
               touched_at, attribution_model,
               round(raw_weight / sum(raw_weight) OVER (PARTITION BY lead), 6) AS attribution_weight,
               pipeline_value, converted, lead, t, _orphan
        FROM raw
    """)
    gen.write_parquet_files(key, "lead_attribution", files=2, order_by="lead, t")
    orphans = gen.count("lead_attribution", "_orphan")
    return [
        Problem(
            id="unknown_campaigns",
            description="Touchpoints of campaigns deleted from the ad platforms (campaign ids CMP-9xxx).",
            count=orphans,
            checks=["known_campaigns"],
        )
    ]
