-- Assert every snapshotted day reconciles: |residual| <= var reconciliation_tolerance_usd.
-- Warn, not error: a breach is a finding for the operators (alerts read
-- fct_reconciliation_daily.is_reconciled), not a reason to stop publishing the marts.
{{ config(severity='warn') }}
select account, day, av_change, explained, residual
from {{ ref('fct_reconciliation_daily') }}
where abs(residual) > {{ var('reconciliation_tolerance_usd') }}
