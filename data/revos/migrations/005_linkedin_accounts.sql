-- Migration: 005_linkedin_accounts
-- Description: LinkedIn accounts connected by a RevOS user (via Unipile).
-- Created: 2025-03-09

CREATE TABLE linkedin_accounts (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  unipile_account_id TEXT NOT NULL,
  profile_url TEXT,
  display_name TEXT,
  status TEXT NOT NULL DEFAULT 'connected'
    CHECK (status IN ('connected', 'disconnected', 'credentials_required', 'restricted')),
  daily_invite_limit INTEGER DEFAULT 20,
  session_cookie TEXT,
  last_synced_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

CREATE UNIQUE INDEX idx_linkedin_accounts_unipile_id ON linkedin_accounts(unipile_account_id);
CREATE INDEX idx_linkedin_accounts_user_id ON linkedin_accounts(user_id);

CREATE TRIGGER update_linkedin_accounts_updated_at
  BEFORE UPDATE ON linkedin_accounts
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
