"""The emailed reports: daily PnL and weekly risk, read from the marts, rendered as HTML email
with inline charts, delivered once. `report.build_email` / `report.send_report` are the entry
points (CLI `maicro report`, DAGs report_daily_pnl and report_weekly_risk)."""
