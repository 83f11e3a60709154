-- Migration: 016_drop_leads_raw_profile
-- Description: Enrichment now lives in the enrichment service; the raw scraper
--   payload on leads is no longer read anywhere.
-- Created: 2025-04-15

ALTER TABLE leads DROP COLUMN raw_profile;
