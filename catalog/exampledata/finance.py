"""Finance: general_ledger (a warehouse table, not files; clean), accounts_receivable (restricted;
seeded date and overpayment errors) and financial_metrics (from both; clean)."""

from __future__ import annotations

from datetime import timedelta

from . import vocabulary
from .base import Generation, Problem, pick, sql_date, sql_list, sql_ts, weighted
from .marketing import customer_count
from .warehouse import load_warehouse_table


def general_ledger(gen: Generation) -> list[Problem]:
    """Balanced journals of 2-4 lines posted over the last year, the newest 10 minutes ago,
    loaded into the `warehouse` data source as finance.general_ledger."""
    key = "finance/general_ledger"
    journals = gen.size(small=1_700, full=60_000)
    days = gen.size(small=60, full=365)
    anchor = gen.ago(minutes=10)
    start = gen.now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    span = int((anchor - start).total_seconds())
    gen.sql("CREATE TABLE accounts (account_code VARCHAR, account_name VARCHAR, account_type VARCHAR)")
    gen.con.executemany("INSERT INTO accounts VALUES (?, ?, ?)", vocabulary.ACCOUNTS)
    gen.sql(
        "CREATE TABLE journal_templates (jtype VARCHAR, source_system VARCHAR, single_account VARCHAR, "
        "single_side VARCHAR, other_accounts VARCHAR[])"
    )
    gen.con.executemany(
        "INSERT INTO journal_templates VALUES (?, ?, ?, ?, ?)",
        [(t, src, acc, side, others) for t, src, _, acc, side, others in vocabulary.JOURNAL_TEMPLATES],
    )
    jtype = weighted("rnd(j, 'type')", [(t[0], t[2]) for t in vocabulary.JOURNAL_TEMPLATES])
    currency = weighted("rnd(j, 'currency')", [("USD", 85), ("EUR", 10), ("GBP", 5)])
    gen.sql(f"""
        CREATE TABLE general_ledger AS
        WITH journals AS (
            SELECT j, {jtype} AS jtype, {currency} AS currency,
                   -- journal ids grow with posting time; the newest is posted at the anchor
                   {sql_ts(start)} + to_seconds((j * {span} // {journals - 1})::BIGINT) AS posted_at,
                   -- amounts in cents so that the lines of a journal add up exactly
                   -- sales and payroll journals are larger than the rest (a healthy margin)
                   CAST(round(exp(6.5 + 1.3 * gauss(j, 'amount')) * 100
                              * CASE jtype WHEN 'sale' THEN 2.5 WHEN 'payroll' THEN 1.5 ELSE 1 END) AS BIGINT) + 100
                       AS cents
            FROM range({journals}) r(j)
        ), shaped AS (
            SELECT journals.*, t.source_system, t.single_account, t.single_side, t.other_accounts,
                   CASE WHEN len(t.other_accounts) = 1 THEN 2 ELSE rint(j, 'lines', 2, 4) END AS n,
                   jtype IN ('accrual', 'depreciation') AS is_adjustment
            FROM journals JOIN journal_templates t USING (jtype)
        ), lines AS (
            SELECT *, unnest(range(n)) AS line FROM shaped
        ), amounts AS (
            SELECT *,
                   CASE WHEN line = 0 THEN single_account
                        ELSE other_accounts[1 + (hash(j, line, 'account') % len(other_accounts))::BIGINT] END AS account_code,
                   CASE WHEN line = 0 THEN cents
                        WHEN line < n - 1 THEN cents // (n - 1)
                        ELSE cents - (n - 2) * (cents // (n - 1)) END AS line_cents,
                   CASE WHEN line = 0 THEN single_side WHEN single_side = 'debit' THEN 'credit' ELSE 'debit' END AS side,
                   -- period-end adjustments are dated the last day of the previous month
                   CASE WHEN is_adjustment THEN CAST(date_trunc('month', posted_at) AS DATE) - 1
                        ELSE CAST(posted_at AS DATE) END AS entry_date
            FROM lines
        )
        SELECT row_number() OVER (ORDER BY j, line) AS entry_id,
               'JE-' || lpad((j + 1)::VARCHAR, 8, '0') AS journal_id,
               (line + 1)::INTEGER AS line_number, entry_date, strftime(entry_date, '%Y-%m') AS fiscal_period,
               posted_at, a.account_code, a.account_name, a.account_type,
               -- expense lines are charged to their own cost center, every other line carries the
               -- cost center of the journal (no line is unallocated: the SLA's completeness is 99.95%)
               CASE WHEN a.account_type = 'expense'
                    THEN {pick(vocabulary.COST_CENTERS, "j * 10 + line", "cost_center")}
                    ELSE {pick(vocabulary.COST_CENTERS, "j", "journal_cost_center")} END AS cost_center,
               -- decimal arithmetic, exact to the cent
               CAST(CAST(CASE WHEN side = 'debit' THEN line_cents ELSE 0 END AS DECIMAL(18, 0)) * 0.01 AS DECIMAL(18, 2))
                   AS debit,
               CAST(CAST(CASE WHEN side = 'credit' THEN line_cents ELSE 0 END AS DECIMAL(18, 0)) * 0.01 AS DECIMAL(18, 2))
                   AS credit,
               currency, source_system, is_adjustment
        FROM amounts JOIN accounts a USING (account_code)
    """)
    contract = gen.contract(key)
    location = contract["schema"]["location"]
    load_warehouse_table(
        gen, location=location, query=gen.conformed(key, "general_ledger") + " ORDER BY entry_id"
    )
    return []


def accounts_receivable(gen: Generation) -> list[Problem]:
    """Invoices of the last months and their collection state as of `now`. Seeded: invoices due
    before they were issued (an ERP migration swapped the dates), and overpaid invoices."""
    key = "finance/accounts_receivable"
    n = gen.size(small=3_000, full=80_000)
    days = gen.size(small=90, full=365)
    customers = customer_count(gen)
    anchor = gen.ago(minutes=12)
    terms = weighted("rnd(i, 'terms')", [("net_30", 55), ("net_15", 15), ("net_45", 15), ("net_60", 15)])
    today = sql_date(gen.today)
    currency = " ".join(f"WHEN '{c}' THEN '{cur}'" for c, cur in vocabulary.CURRENCY_BY_COUNTRY.items())
    gen.sql(f"""
        CREATE TABLE accounts_receivable AS
        WITH base AS (
            SELECT i, 'C' || lpad(rint(i, 'customer', 1, {customers})::VARCHAR, 7, '0') AS customer_id,
                   {today} - ({days - 1} - i * {days} // {n})::INTEGER AS invoice_date,
                   {terms} AS payment_terms,
                   CAST(round(exp(6.2 + 1.0 * gauss(i, 'amount')), 2) + 50 AS DECIMAL(14, 2)) AS amount_due,
                   rnd(i, 'swapped') < 0.003 AS _due_before_invoice,
                   rnd(i, 'overpaid') < 0.005 AS _overpaid
            FROM range({n}) r(i)
        ), dated AS (
            SELECT b.*, c.email, c.country,
                   CASE WHEN _due_before_invoice THEN invoice_date - rint(i, 'swap_days', 1, 30)::INTEGER
                        ELSE invoice_date + CAST(split_part(payment_terms, '_', 2) AS INTEGER) END AS due_date
            FROM base b JOIN customers c ON c.id = b.customer_id
        ), settled AS (
            SELECT *, {today} - due_date AS overdue_days,
                   CASE WHEN _overpaid THEN 'paid'
                        WHEN due_date >= {today} THEN CASE WHEN rnd(i, 'early') < 0.25 THEN 'paid'
                                                          WHEN rnd(i, 'early') < 0.32 THEN 'partially_paid' ELSE 'open' END
                        WHEN rnd(i, 'collect') < 0.90 THEN 'paid'
                        WHEN rnd(i, 'collect') < 0.93 THEN 'partially_paid'
                        WHEN {today} - due_date > 90 AND rnd(i, 'write_off') < 0.7 THEN 'written_off'
                        ELSE 'overdue' END AS status
            FROM dated
        ), paid AS (
            SELECT *,
                   CAST(CASE WHEN _overpaid THEN amount_due + round(1 + rnd(i, 'extra') * 499, 2)
                             WHEN status = 'paid' THEN amount_due
                             WHEN status = 'partially_paid' THEN round(amount_due * (0.1 + rnd(i, 'part') * 0.8), 2)
                             ELSE 0 END AS DECIMAL(14, 2)) AS amount_paid
            FROM settled
        )
        SELECT 'INV-' || lpad((i + 1)::VARCHAR, 7, '0') AS invoice_id, customer_id,
               email AS billing_contact_email,
               CASE WHEN country = 'US' THEN lpad(rint(i, 'ein1', 10, 99)::VARCHAR, 2, '0') || '-'
                                             || lpad(rint(i, 'ein2', 0, 9999999)::VARCHAR, 7, '0')
                    ELSE country || lpad(rint(i, 'vat', 0, 999999999)::VARCHAR, 9, '0') END AS tax_id,
               invoice_date, due_date, payment_terms, amount_due, amount_paid,
               CAST(amount_due - amount_paid AS DECIMAL(14, 2)) AS balance,
               COALESCE(CASE country {currency} END, 'USD')
                   AS currency,
               status,
               CASE WHEN status IN ('overdue', 'partially_paid', 'written_off') AND overdue_days > 0
                    THEN overdue_days ELSE 0 END::INTEGER AS days_past_due,
               CASE WHEN status IN ('overdue', 'written_off') THEN
                    ['reminder_1', 'reminder_2', 'final_notice', 'collections'][1:
                        CASE WHEN overdue_days >= 60 THEN 4 WHEN overdue_days >= 30 THEN 3
                             WHEN overdue_days >= 15 THEN 2 ELSE 1 END]
                    ELSE []::VARCHAR[] END AS dunning_notices,
               -- most invoices changed recently (payments, reminders); none after the anchor
               greatest(CAST(invoice_date AS TIMESTAMP),
                        {sql_ts(anchor)} - to_seconds(CAST(pow(rnd(i, 'updated'), 3) * 86400 * 30 AS BIGINT))) AS updated_at,
               _due_before_invoice, _overpaid
        FROM paid
    """)
    gen.write_parquet_files(key, "accounts_receivable", files=2, order_by="invoice_id")
    swapped = gen.count("accounts_receivable", "_due_before_invoice")
    overpaid = gen.count("accounts_receivable", "_overpaid")
    return [
        Problem(
            "due_date_before_invoice_date",
            "Invoices migrated from the old ERP with the invoice and due dates swapped.",
            swapped,
            checks=["due_date_not_before_invoice_date"],
        ),
        Problem(
            "overpaid_invoices",
            "Invoices paid twice or over the amount due, not yet refunded.",
            overpaid,
            checks=["no_overpayments"],
        ),
    ]


def financial_metrics(gen: Generation) -> list[Problem]:
    """Seven KPIs per day over the ledger's period, from the ledger and receivables. Today's
    values are estimates. Clean: ar_outstanding of the last day equals the open balances."""
    days = gen.size(small=60, full=365)
    first_day = gen.today - timedelta(days=days - 1)
    anchor = gen.ago(minutes=20)
    names = ["revenue", "cogs", "gross_margin", "operating_expenses", "ebitda", "ar_outstanding", "dso"]
    gen.sql(f"""
        CREATE TABLE financial_metrics AS
        WITH calendar AS (
            SELECT {sql_date(first_day)} + d::INTEGER AS metric_date FROM range({days}) r(d)
        ), ledger AS (
            SELECT entry_date,
                   SUM(credit - debit) FILTER (WHERE account_type = 'revenue') AS revenue,
                   SUM(debit - credit) FILTER (WHERE account_code BETWEEN '5000' AND '5999') AS cogs,
                   SUM(debit - credit) FILTER (WHERE account_code BETWEEN '6000' AND '8999' AND account_code <> '6500')
                       AS opex,
                   COUNT(*) AS lines
            FROM general_ledger GROUP BY entry_date
        ), issued AS (
            -- invoices issued before the first day count from the first day on
            SELECT greatest(invoice_date, {sql_date(first_day)}) AS metric_date,
                   COALESCE(SUM(balance) FILTER (WHERE balance > 0), 0) AS open_balance, COUNT(*) AS invoices
            FROM accounts_receivable GROUP BY 1
        ), receivables AS (
            SELECT c.metric_date,
                   SUM(COALESCE(i.open_balance, 0)) OVER (ORDER BY c.metric_date) AS outstanding,
                   SUM(COALESCE(i.invoices, 0)) OVER (ORDER BY c.metric_date) AS invoices
            FROM calendar c LEFT JOIN issued i USING (metric_date)
        ), daily AS (
            SELECT c.metric_date, COALESCE(l.revenue, 0) AS revenue, COALESCE(l.cogs, 0) AS cogs,
                   COALESCE(l.opex, 0) AS opex, COALESCE(l.lines, 0) AS lines,
                   COALESCE(r.outstanding, 0) AS ar_outstanding, r.invoices
            FROM calendar c LEFT JOIN ledger l ON l.entry_date = c.metric_date
            JOIN receivables r ON r.metric_date = c.metric_date
        ), with_trailing AS (
            SELECT *, SUM(revenue) OVER (ORDER BY metric_date ROWS BETWEEN 29 PRECEDING AND CURRENT ROW) AS revenue_30d
            FROM daily
        ), long AS (
            SELECT metric_date, unnest({sql_list(names)}) AS metric_name,
                   unnest([revenue::DECIMAL(18, 2), cogs::DECIMAL(18, 2), (revenue - cogs)::DECIMAL(18, 2),
                           opex::DECIMAL(18, 2), (revenue - cogs - opex)::DECIMAL(18, 2), ar_outstanding::DECIMAL(18, 2),
                           CASE WHEN revenue_30d > 0 THEN round(ar_outstanding / revenue_30d * 30, 2) ELSE 0 END::DECIMAL(18, 2)])
                       AS value,
                   unnest([lines, lines, lines, lines, lines, 0, lines]) AS ledger_lines,
                   unnest([0, 0, 0, 0, 0, invoices, invoices]) AS invoices
            FROM with_trailing
        )
        SELECT strftime(metric_date, '%Y-%m-%d') || '|' || metric_name AS metric_key, metric_date, metric_name,
               CAST(value AS DECIMAL(18, 2)) AS value,
               CASE WHEN metric_name = 'dso' THEN 'days' ELSE 'usd' END AS unit,
               metric_date = {sql_date(gen.today)} AS is_estimate,
               {{'ledger_lines': ledger_lines::BIGINT, 'invoices': invoices::BIGINT}} AS sources,
               least({sql_ts(anchor)}, CAST(metric_date AS TIMESTAMP) + INTERVAL 1 DAY + INTERVAL 10 MINUTE) AS computed_at
        FROM long
    """)
    gen.write_parquet_files("finance/financial_metrics", "financial_metrics", order_by="metric_key")
    return []
