-- Databases. `maicro_meta` holds this server's own bookkeeping (migrations, replication
-- watermarks) and is never replicated: each server keeps its own.
CREATE DATABASE IF NOT EXISTS hyperliquid;
CREATE DATABASE IF NOT EXISTS maicro_logs;
CREATE DATABASE IF NOT EXISTS maicro_monitors;
CREATE DATABASE IF NOT EXISTS binance;
CREATE DATABASE IF NOT EXISTS analytics;
