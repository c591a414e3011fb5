-- Slices that differ only because local changed after the last sync (the cloud is behind, not
-- wrong): counted apart so that a busy ingest does not raise integrity alerts.
ALTER TABLE maicro_monitors.verification_results
    ADD COLUMN IF NOT EXISTS slices_pending UInt32 DEFAULT 0 AFTER slices_mismatched;
