-- Migration: 015_analytics
-- Description: Raw analytics events, a per-day rollup per campaign, and a
--   reporting view.
--   campaign_daily_stats is filled by the nightly rollup job (service role,
--   which bypasses RLS); RLS is on so nothing leaks before the dashboard
--   policies are written.
-- Created: 2025-04-12

CREATE TABLE analytics_events (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  campaign_id UUID REFERENCES campaigns(id) ON DELETE SET NULL,
  event_type TEXT NOT NULL,
  properties JSONB DEFAULT '{}',
  occurred_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_analytics_events_client_id ON analytics_events(client_id);
CREATE INDEX idx_analytics_events_campaign_id ON analytics_events(campaign_id);
CREATE INDEX idx_analytics_events_type_time ON analytics_events(event_type, occurred_at DESC);

CREATE TABLE campaign_daily_stats (
  campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  stat_date DATE NOT NULL,
  invites_sent INTEGER DEFAULT 0,
  invites_accepted INTEGER DEFAULT 0,
  messages_sent INTEGER DEFAULT 0,
  replies INTEGER DEFAULT 0,
  PRIMARY KEY (campaign_id, stat_date)
);

ALTER TABLE analytics_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_daily_stats ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view client analytics"
  ON analytics_events FOR SELECT
  USING (client_id = get_user_client_id());

-- Reporting view: one row per campaign with lead funnel counts
CREATE VIEW campaign_performance AS
SELECT
  c.id AS campaign_id,
  c.client_id,
  c.name,
  c.status,
  COUNT(l.id) AS total_leads,
  COUNT(l.id) FILTER (WHERE l.status = 'connected') AS connected_leads,
  COUNT(l.id) FILTER (WHERE l.status = 'replied') AS replied_leads,
  COUNT(l.id) FILTER (WHERE l.status = 'qualified') AS qualified_leads
FROM campaigns c
LEFT JOIN leads l ON l.campaign_id = c.id
GROUP BY c.id, c.client_id, c.name, c.status;

GRANT SELECT ON campaign_performance TO authenticated;
