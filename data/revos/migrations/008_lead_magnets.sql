-- Migration: 008_lead_magnets
-- Description: Downloadable lead magnets and the join table that attaches
--   them to campaigns (many-to-many, composite primary key).
-- Created: 2025-03-16

CREATE TABLE lead_magnets (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  description TEXT,
  file_url TEXT,
  download_count INTEGER DEFAULT 0,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX idx_lead_magnets_client_id ON lead_magnets(client_id);

CREATE TABLE campaign_lead_magnets (
  campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  lead_magnet_id UUID NOT NULL REFERENCES lead_magnets(id) ON DELETE CASCADE,
  trigger_keyword TEXT,
  created_at TIMESTAMPTZ DEFAULT now(),
  PRIMARY KEY (campaign_id, lead_magnet_id)
);

-- campaign_id is covered by the primary key; lead_magnet_id needs its own index
CREATE INDEX idx_campaign_lead_magnets_lead_magnet_id ON campaign_lead_magnets(lead_magnet_id);

CREATE TRIGGER update_lead_magnets_updated_at
  BEFORE UPDATE ON lead_magnets
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
