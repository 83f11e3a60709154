-- Migration: 024_webhook_events
-- Description: Inbound webhook log (Unipile / Stripe). Written and read only by
--   edge functions using the service role; not exposed to the API roles.
-- Created: 2025-05-13

CREATE TABLE webhook_events (
  id BIGSERIAL PRIMARY KEY,
  provider TEXT NOT NULL,
  event_type TEXT NOT NULL,
  external_id TEXT,
  payload JSONB NOT NULL,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  processed_at TIMESTAMPTZ,
  error TEXT
);

CREATE UNIQUE INDEX IF NOT EXISTS idx_webhook_events_provider_external_id
  ON webhook_events(provider, external_id);
CREATE INDEX IF NOT EXISTS idx_webhook_events_unprocessed
  ON webhook_events(received_at) WHERE processed_at IS NULL;

COMMENT ON TABLE webhook_events IS 'Inbound provider webhooks; service role only.';

REVOKE ALL ON webhook_events FROM anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_events TO service_role;
GRANT USAGE, SELECT ON SEQUENCE webhook_events_id_seq TO service_role;
