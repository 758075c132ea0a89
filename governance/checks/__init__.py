"""The quality-check engine (docs/quality-checks.md).

    from governance.checks.runner import run_checks          # measure, write nothing
    from governance.checks.service import quality_run_request, quality_run_execute, quality_run_now
    from governance.checks.access import team_may_read

Modules: ir (the checks of a contract), storage (where a product's data is, how each engine
reads it), sandbox (the locked DuckDB connection and the PostgreSQL reader role that run the
contract's SQL), runner (one run), service (runs as database rows, idempotent execution).
"""
