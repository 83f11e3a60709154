-- Migration: 011_engagement_pods
-- Description: Engagement pods: groups of a client's LinkedIn accounts that
--   like/comment on each other's posts to boost reach.
-- Created: 2025-03-27

CREATE TABLE pods (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  is_active BOOLEAN DEFAULT true,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

CREATE TABLE pod_members (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  pod_id UUID NOT NULL REFERENCES pods(id) ON DELETE CASCADE,
  linkedin_account_id UUID NOT NULL REFERENCES linkedin_accounts(id) ON DELETE CASCADE,
  joined_at TIMESTAMPTZ DEFAULT now(),
  UNIQUE (pod_id, linkedin_account_id)
);

CREATE INDEX idx_pods_client_id ON pods(client_id);
-- pod_id is covered by the UNIQUE (pod_id, linkedin_account_id) index
CREATE INDEX idx_pod_members_linkedin_account_id ON pod_members(linkedin_account_id);

ALTER TABLE pods ENABLE ROW LEVEL SECURITY;
ALTER TABLE pod_members ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can manage client pods"
  ON pods FOR ALL
  USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()))
  WITH CHECK (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));

CREATE POLICY "Users can manage client pod members"
  ON pod_members FOR ALL
  USING (pod_id IN (
    SELECT id FROM pods
    WHERE client_id IN (SELECT client_id FROM users WHERE id = auth.uid())
  ));

CREATE TRIGGER update_pods_updated_at
  BEFORE UPDATE ON pods
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
