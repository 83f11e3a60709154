-- Migration: 010_webhooks
-- Description: Outgoing webhooks a client configures (e.g. push new leads to a CRM).
-- Created: 2025-03-24

-- gen_random_bytes() for webhook signing secrets
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE webhooks (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT encode(gen_random_bytes(32), 'hex'),
  events TEXT[] NOT NULL DEFAULT ARRAY['lead.created'],
  is_active BOOLEAN DEFAULT true,
  last_triggered_at TIMESTAMPTZ,
  failure_count INTEGER DEFAULT 0,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX idx_webhooks_client_id ON webhooks(client_id);

ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can manage client webhooks"
  ON webhooks FOR ALL
  USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()))
  WITH CHECK (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE TRIGGER update_webhooks_updated_at
  BEFORE UPDATE ON webhooks
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
