-- Migration: 007_messages
-- Description: Direct messages exchanged with a lead through a LinkedIn account.
-- Created: 2025-03-14

CREATE TABLE messages (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  lead_id UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  linkedin_account_id UUID REFERENCES linkedin_accounts(id) ON DELETE SET NULL,
  body TEXT NOT NULL,
  sent_at TIMESTAMPTZ,
  read_at TIMESTAMPTZ,
  external_message_id TEXT,
  created_at TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX idx_messages_lead_id ON messages(lead_id);
CREATE INDEX idx_messages_linkedin_account_id ON messages(linkedin_account_id);
CREATE INDEX idx_messages_sent_at ON messages(sent_at DESC);
