-- Migration: 034_comments_and_indexes
-- Description: Documentation comments on the tenant tables and two indexes
--   for the dashboard queries.
-- Created: 2025-07-08

COMMENT ON TABLE agencies IS 'Top-level tenant: one row per agency account.';
COMMENT ON TABLE clients IS 'Customers of an agency; workspace data hangs off client_id.';
COMMENT ON TABLE users IS 'App profile rows. id must equal auth.users.id (kept in sync by the app at sign-up).';
COMMENT ON COLUMN users.client_id IS 'Users belong to a client, not directly to an agency.';

CREATE INDEX IF NOT EXISTS idx_leads_campaign_status ON leads(campaign_id, status);
CREATE INDEX IF NOT EXISTS idx_messages_lead_sent_at ON messages(lead_id, sent_at DESC);
