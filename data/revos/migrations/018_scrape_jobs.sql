-- Migration: 018_scrape_jobs
-- Description: Queue of profile-scrape jobs for the in-house scraper.
-- Created: 2025-04-22

CREATE TABLE scrape_jobs (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  search_url TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'failed')),
  results_count INTEGER DEFAULT 0,
  error TEXT,
  created_at TIMESTAMPTZ DEFAULT now(),
  finished_at TIMESTAMPTZ
);

CREATE INDEX idx_scrape_jobs_campaign_id ON scrape_jobs(campaign_id);
CREATE INDEX idx_scrape_jobs_status ON scrape_jobs(status) WHERE status IN ('queued', 'running');

ALTER TABLE scrape_jobs ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view client scrape jobs"
  ON scrape_jobs FOR SELECT
  USING (campaign_id IN (SELECT id FROM campaigns WHERE client_id = get_user_client_id()));
