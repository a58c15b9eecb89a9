"""Great Expectations suites as code, one module per concern.

- `landing_quality`: staged landing records (ids present, timestamps parse,
  quantities non-negative, types in the catalog) and the quarantine share per folder.
- `reconciliation_gate`: the gate in front of invoice finalization (held invoices are
  exactly the disputed periods; every period about to finalize is within tolerance).
- `billing_tieouts`: the invoice ledger (lines sum to totals; billed usage equals
  staged usage for finalized periods).

Each module reads small pandas DataFrames from DuckDB (GX's SQL datasources return
empty results on DuckDB) and returns `Validation`s; the Dagster asset checks in
`orchestration/defs/quality/` run them and record the results. Every validation
states how many rows it expects, so an empty DataFrame never passes where rows are due.
"""
