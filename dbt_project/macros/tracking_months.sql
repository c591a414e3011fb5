{#- The month partitions the positions-vs-targets models recompute: months with a new account
    snapshot (it carries the positions), and every month (with snapshots) from the earliest newly
    loaded target set, or newly recorded strategy of an account, on: either changes every later
    as-of match. int_snapshots_compared_to_targets and fct_positions_vs_targets both use it,
    each against its own watermark. -#}
{% macro tracking_months() -%}
    {{ month_list(
        'select toYYYYMM(snapshot_at) from ' ~ ref('stg_hyperliquid__account_snapshots')
        ~ ' where ingested_at > ' ~ ingested_cutoff()
        ~ ' union distinct select toYYYYMM(snapshot_at) from ' ~ ref('stg_hyperliquid__account_snapshots')
        ~ ' where snapshot_at >= (select minOrNull(targeted_at) from ' ~ ref('stg_maicro_logs__target_weights')
        ~ ' where ingested_at > ' ~ ingested_cutoff() ~ ')'
        ~ ' union distinct select toYYYYMM(snapshot_at) from ' ~ ref('stg_hyperliquid__account_snapshots')
        ~ ' where snapshot_at >= (select minOrNull(valid_from) from ' ~ ref('stg_maicro_logs__account_strategies')
        ~ ' where ingested_at > ' ~ ingested_cutoff() ~ ')') }}
{%- endmacro %}
