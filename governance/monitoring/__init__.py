"""Continuous monitoring of data products (docs/monitoring.md).

- scheduling: when a product is next checked (stored in `DataProduct.next_check_at`, indexed)
  and the sweep that claims due products and enqueues one run each;
- freshness: fresh / late / stale from the newest data time, `max_age_hours` and the update
  cron, and the stored deadline (`freshness_deadline_at`) at which the state must be re-read;
- volume: the row-count change of a run;
- alerts: the contract's `observability.alerts` evaluated into Alert rows, one unresolved per
  (product, rule), every change of state an AlertEvent;
- notify: email and signed Slack-compatible webhooks, each delivery its own retried task;
- services / selectors: the writes and reads the tasks and the API use.
"""
