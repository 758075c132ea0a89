"""Compliance: every product's current version judged against every rule, kept as history.

- `evaluate`: pure; one product's violations (contract rules + measured results), waivers applied,
  scored (`scoring`).
- `services`: the report run (batched reads and writes), waivers (create, revoke, the daily
  sweep that records expiries and reminds owners), all audited.
- `selectors`: the latest report, a product's live compliance, the dashboard's tables.
- `svg`: the trend chart, drawn on the server (the CSP allows no inline script).

The score formula is documented in docs/compliance.md.
"""
