"""Sales: sales_orders_analytical (the seed product, ~1M rows, hive-partitioned by order_date),
customer_interactions and revenue_metrics."""

from __future__ import annotations

from . import vocabulary
from .base import Generation, Problem, pick, sql_date, sql_ts, weighted
from .marketing import customer_count

VALID_STATUSES = ("pending", "completed", "cancelled", "refunded")
LEGACY_STATUSES = ["shipped", "COMPLETED", "canceled", "on_hold"]


def sales_orders_analytical(gen: Generation) -> list[Problem]:
    """Orders enriched with the customer's segment. Seeded: negative amounts, statuses outside the
    contract's list, customers unknown to customer_segments, and orders without a customer."""
    key = "sales/sales_orders_analytical"
    n = gen.size(small=10_000, full=1_000_000)
    days = gen.size(small=60, full=365)
    customers = customer_count(gen)
    status = weighted(
        "rnd(i, 'status')", [("completed", 78), ("pending", 8), ("cancelled", 9), ("refunded", 5)]
    )
    gen.sql(f"""
        CREATE TABLE orders AS
        WITH base AS (
            SELECT i,
                   -- order ids grow with the date: day d holds orders [n*d/days, n*(d+1)/days)
                   (i * {days} // {n}) AS day_index,
                   rnd(i, 'customer') AS u_customer,
                   rint(i, 'customer_no', 1, {customers}) AS customer_no,
                   rint(i, 'products', 1, 3) + CASE WHEN rnd(i, 'basket') < 0.3 THEN rint(i, 'extra', 1, 5) ELSE 0 END
                       AS product_count,
                   rnd(i, 'negative') < 0.001 AS _negative_amount,
                   rnd(i, 'legacy_status') < 0.0007 AS _invalid_status
            FROM range({n}) r(i)
        ), flagged AS (
            SELECT *, u_customer < 0.0005 AS _null_customer,
                   u_customer >= 0.0005 AND u_customer < 0.0025 AS _unknown_customer,
                   {sql_date(gen.today)} - ({days - 1} - day_index)::INTEGER AS order_date
            FROM base
        )
        SELECT
            'ORD-' || lpad((i + 1)::VARCHAR, 8, '0') AS order_id,
            CASE WHEN _null_customer THEN NULL
                 WHEN _unknown_customer THEN 'C' || lpad(({customers} + rint(i, 'ghost', 1, 50000))::VARCHAR, 7, '0')
                 ELSE 'C' || lpad(customer_no::VARCHAR, 7, '0') END AS customer_id,
            order_date,
            (CASE WHEN _negative_amount THEN -1 ELSE 1 END
                * round(product_count * exp(3.4 + 0.8 * gauss(i, 'price'))
                        * CASE customer_segment(customer_no) WHEN 'platinum' THEN 2.5 WHEN 'gold' THEN 1.6 ELSE 1 END, 2)
            )::DECIMAL(12, 2) AS total_amount,
            CASE WHEN _invalid_status THEN {pick(LEGACY_STATUSES, "i", "legacy")}
                 -- the last three days' orders are mostly still pending
                 WHEN day_index >= {days - 3} AND rnd(i, 'recent') < 0.6 THEN 'pending'
                 ELSE {status} END AS status,
            CASE WHEN _null_customer OR _unknown_customer THEN NULL ELSE customer_segment(customer_no) END
                AS customer_segment,
            product_count::INTEGER AS product_count,
            _negative_amount, _invalid_status, _null_customer, _unknown_customer
        FROM flagged
    """)
    gen.write_partitioned(key, "orders", order_by="order_id")
    negative = gen.count("orders", "_negative_amount")
    invalid = gen.count("orders", "_invalid_status")
    null_customer = gen.count("orders", "_null_customer")
    unknown = gen.count("orders", "_unknown_customer")
    return [
        Problem(
            "negative_total_amount",
            "Refunds booked as negative orders by the legacy checkout.",
            negative,
            checks=["no_negative_amounts"],
            constraints=["total_amount.min"],
        ),
        Problem(
            "invalid_status",
            f"Statuses from the old order system ({', '.join(LEGACY_STATUSES)}).",
            invalid,
            checks=["valid_status"],
            constraints=["status.in"],
        ),
        Problem(
            "unknown_customer",
            "Orders of customers missing from marketing/customer_segments (deleted on request).",
            unknown,
            checks=["referential_integrity"],
        ),
        Problem(
            "null_customer_id",
            "Guest checkouts without a customer id (the LEFT JOIN of referential_integrity counts them too).",
            null_customer,
            checks=["referential_integrity"],
            constraints=["customer_id.not_null"],
        ),
    ]


def customer_interactions(gen: Generation) -> list[Problem]:
    """CRM interactions with the customer's contact details. Seeded: emails mistyped by reps;
    completeness below its SLA (sparse optional columns)."""
    key = "sales/customer_interactions"
    n = gen.size(small=5_000, full=300_000)
    span_seconds = gen.size(small=30, full=180) * 86400
    customers = customer_count(gen)
    anchor = gen.ago(minutes=90)
    channel = weighted(
        "rnd(i, 'channel')", [("email", 35), ("phone", 25), ("chat", 20), ("in_person", 8), ("web_form", 12)]
    )
    kind = weighted(
        "rnd(i, 'type')",
        [
            ("inquiry", 30),
            ("demo", 12),
            ("negotiation", 10),
            ("renewal", 13),
            ("support", 25),
            ("complaint", 10),
        ],
    )
    gen.sql(f"""
        CREATE TABLE interactions AS
        WITH base AS (
            SELECT i, {channel} AS channel, {kind} AS interaction_type,
                   'C' || lpad(rint(i, 'customer', 1, {customers})::VARCHAR, 7, '0') AS customer_id,
                   -- interaction ids grow with time; the newest is at the anchor
                   {sql_ts(anchor)} - to_seconds((({n - 1} - i) * {span_seconds} // {n})::BIGINT) AS occurred_at,
                   rnd(i, 'typo') < 0.004 AS _malformed_email
            FROM range({n}) r(i)
        ), detailed AS (
            SELECT b.*, c.email, c.country,
                   rnd(i, 'resolved') < CASE interaction_type WHEN 'complaint' THEN 0.45 ELSE 0.72 END AS resolved
            FROM base b JOIN customers c ON c.id = b.customer_id
        ), calling_codes AS (
            SELECT country, min(calling_code) AS calling_code FROM cities GROUP BY country
        )
        SELECT
            'INT-' || lpad((i + 1)::VARCHAR, 8, '0') AS interaction_id,
            customer_id,
            CASE WHEN rnd(i, 'no_email') < 0.02 AND NOT _malformed_email THEN NULL
                 WHEN _malformed_email AND rnd(i, 'typo_kind') < 0.5 THEN replace(email, '@', '(at)')
                 WHEN _malformed_email THEN regexp_replace(email, '[.][a-z]+$', '')
                 ELSE email END AS customer_email,
            '+' || k.calling_code || ' ' || rint(i, 'area', 20, 99)::VARCHAR || ' '
                || lpad(rint(i, 'phone', 0, 9999999)::VARCHAR, 7, '0') AS customer_phone,
            channel, interaction_type, occurred_at,
            CASE channel WHEN 'phone' THEN rint(i, 'duration', 60, 3600) WHEN 'chat' THEN rint(i, 'duration', 120, 2400)
                         WHEN 'in_person' THEN rint(i, 'duration', 1800, 7200) ELSE 0 END AS duration_seconds,
            CASE WHEN channel <> 'in_person' THEN greatest(-1.0, least(1.0, round(
                (rnd(i, 's1') + rnd(i, 's2') + rnd(i, 's3')) / 1.5 - 1
                - CASE interaction_type WHEN 'complaint' THEN 0.3 ELSE 0 END, 3))) END AS sentiment_score,
            'EMP-' || lpad(rint(i, 'rep', 1000, 1119)::VARCHAR, 5, '0') AS sales_rep_id,
            list_sort(list_distinct([{pick(vocabulary.INTERACTION_TOPICS, "i", "topic1")},
                                     {pick(vocabulary.INTERACTION_TOPICS, "i", "topic2")},
                                     {pick(vocabulary.INTERACTION_TOPICS, "i", "topic3")}][1:rint(i, 'topics', 1, 3)]))
                AS topics,
            resolved,
            CASE WHEN NOT resolved AND rnd(i, 'follow_up') < 0.8
                 THEN CAST(occurred_at AS DATE) + rint(i, 'follow_days', 1, 14)::INTEGER END AS follow_up_date,
            _malformed_email
        FROM detailed d JOIN calling_codes k ON k.country = d.country
    """)
    gen.write_parquet_files(key, "interactions", files=4, order_by="interaction_id")
    malformed = gen.count("interactions", "_malformed_email")
    return [
        Problem(
            "malformed_customer_email",
            "Emails typed by reps as name(at)domain or without the top-level domain.",
            malformed,
            checks=["valid_email_format"],
            constraints=["customer_email.pattern"],
        ),
        gen.completeness_problem(
            key,
            "interactions",
            "incomplete_optional_columns",
            "Optional columns empty by design - follow_up_date unless a follow-up is planned, "
            "sentiment_score for in-person meetings, customer_email when the customer gave none - "
            "keep completeness over all fields below the 99.5% SLA.",
        ),
    ]


def revenue_metrics(gen: Generation) -> list[Problem]:
    """Daily revenue per segment and country, aggregated from the orders just generated (valid
    orders of known customers only). Clean."""
    computed_at = gen.last_run(2, 30)
    valid = ", ".join(f"'{s}'" for s in VALID_STATUSES)
    gen.sql(f"""
        CREATE TABLE revenue_metrics AS
        WITH daily AS (
            SELECT o.order_date AS metric_date, c.segment AS customer_segment, c.country,
                   COUNT(*) AS order_count,
                   COALESCE(SUM(o.total_amount) FILTER (WHERE o.status <> 'cancelled'), 0) AS gross_revenue,
                   COALESCE(SUM(o.total_amount) FILTER (WHERE o.status = 'refunded'), 0) AS refunded_amount,
                   COUNT(*) FILTER (WHERE o.status <> 'cancelled') AS revenue_orders,
                   COUNT(*) FILTER (WHERE o.status = 'cancelled') AS cancelled_orders
            FROM orders o JOIN customers c ON c.id = o.customer_id
            WHERE o.status IN ({valid}) AND o.total_amount >= 0
            GROUP BY ALL
        )
        SELECT strftime(metric_date, '%Y-%m-%d') || '|' || customer_segment || '|' || country AS metric_id,
               metric_date, customer_segment, country, order_count::INTEGER AS order_count,
               gross_revenue::DECIMAL(14, 2) AS gross_revenue, refunded_amount::DECIMAL(14, 2) AS refunded_amount,
               (gross_revenue - refunded_amount)::DECIMAL(14, 2) AS net_revenue,
               round(gross_revenue / NULLIF(revenue_orders, 0), 2)::DOUBLE AS avg_order_value,
               round(cancelled_orders / order_count, 4) AS cancellation_rate,
               {sql_ts(computed_at)} AS computed_at
        FROM daily
    """)
    gen.write_parquet_files("sales/revenue_metrics", "revenue_metrics", order_by="metric_id")
    return []
