-- Migration: 009_add_rls_policies_all_tables
-- Description: Enable Row Level Security on every table and add the first set
--   of policies. Access follows the tenant chain
--     users.client_id -> clients.agency_id -> agencies
--   and assumes users.id = auth.uid() (public.users rows are created by the
--   app with the auth user's id).
-- Created: 2025-03-20

-- ---------------------------------------------------------------------------
-- Enable RLS
-- ---------------------------------------------------------------------------
ALTER TABLE agencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE linkedin_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE linkedin_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_magnets ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_lead_magnets ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can view own record"
  ON users FOR SELECT
  USING (auth.uid() = id);  -- Assumes manual sync!

CREATE POLICY "Users can update own record"
  ON users FOR UPDATE
  USING (auth.uid() = id)
  WITH CHECK (auth.uid() = id);

-- ---------------------------------------------------------------------------
-- clients / agencies
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can view their client"
  ON clients FOR SELECT
  USING (id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE POLICY "Users can view their agency"
  ON agencies FOR SELECT
  USING (id IN (
    SELECT c.agency_id
    FROM clients c
    JOIN users u ON u.client_id = c.id
    WHERE u.id = auth.uid()
  ));

-- ---------------------------------------------------------------------------
-- campaigns
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can view client campaigns"
  ON campaigns FOR SELECT
  USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE POLICY "Users can insert client campaigns"
  ON campaigns FOR INSERT
  WITH CHECK (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE POLICY "Users can update client campaigns"
  ON campaigns FOR UPDATE
  USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()))
  WITH CHECK (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE POLICY "Users can delete client campaigns"
  ON campaigns FOR DELETE
  USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

-- ---------------------------------------------------------------------------
-- leads (through campaigns)
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can manage client leads"
  ON leads FOR ALL
  USING (campaign_id IN (
    SELECT id FROM campaigns
    WHERE client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ))
  WITH CHECK (campaign_id IN (
    SELECT id FROM campaigns
    WHERE client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ));

-- ---------------------------------------------------------------------------
-- linkedin_accounts (owned by one user)
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can manage own linkedin accounts"
  ON linkedin_accounts FOR ALL
  USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid());

-- ---------------------------------------------------------------------------
-- linkedin_posts / post_comments (through campaigns)
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can manage client posts"
  ON linkedin_posts FOR ALL
  USING (campaign_id IN (
    SELECT id FROM campaigns
    WHERE client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ));

CREATE POLICY "Users can view comments on client posts"
  ON post_comments FOR SELECT
  USING (post_id IN (
    SELECT p.id
    FROM linkedin_posts p
    JOIN campaigns c ON c.id = p.campaign_id
    WHERE c.client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ));

-- ---------------------------------------------------------------------------
-- messages (through leads -> campaigns)
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can manage client messages"
  ON messages FOR ALL
  USING (lead_id IN (
    SELECT l.id
    FROM leads l
    JOIN campaigns c ON c.id = l.campaign_id
    WHERE c.client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ));

-- ---------------------------------------------------------------------------
-- lead_magnets / campaign_lead_magnets
-- ---------------------------------------------------------------------------
CREATE POLICY "Users can manage client lead magnets"
  ON lead_magnets FOR ALL
  USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()))
  WITH CHECK (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE POLICY "Users can manage client campaign lead magnets"
  ON campaign_lead_magnets FOR ALL
  USING (campaign_id IN (
    SELECT id FROM campaigns
    WHERE client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ));
