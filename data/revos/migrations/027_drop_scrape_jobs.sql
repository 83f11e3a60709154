-- Migration: 027_drop_scrape_jobs
-- Description: The in-house scraper was replaced by Unipile search; its job
--   queue (018) goes, together with its policy and indexes.
-- Created: 2025-06-02

DROP TABLE IF EXISTS scrape_jobs CASCADE;
