-- Mid prices read at snapshot_at, from allMids and from metaAndAssetCtxs (midPx), deduplicated.
select coin, snapshot_at, mid_px, 'allMids' as mid_source, ingested_at
from {{ source('hyperliquid', 'mids') }} final
union all
select coin, snapshot_at, assumeNotNull(mid_px) as mid_px, 'metaAndAssetCtxs' as mid_source, ingested_at
from {{ source('hyperliquid', 'asset_contexts') }} final
where mid_px is not null
