-- Migration: 004_leads
-- Description: Leads captured by a campaign (LinkedIn profiles).
--   raw_profile keeps the scraper payload until enrichment is in place.
-- Created: 2025-03-06

CREATE TABLE leads (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  linkedin_url TEXT NOT NULL,
  first_name TEXT,
  last_name TEXT,
  headline TEXT,
  company TEXT,
  title TEXT,
  email TEXT,
  status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'contacted', 'connected', 'replied', 'qualified', 'disqualified')),
  score INTEGER DEFAULT 0,
  raw_profile JSONB,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- One row per profile per campaign
CREATE UNIQUE INDEX idx_leads_campaign_linkedin_url ON leads(campaign_id, linkedin_url);
CREATE INDEX idx_leads_status ON leads(status);
CREATE INDEX idx_leads_email ON leads(email) WHERE email IS NOT NULL;

CREATE TRIGGER update_leads_updated_at
  BEFORE UPDATE ON leads
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
