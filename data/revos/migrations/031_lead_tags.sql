-- Migration: 031_lead_tags
-- Description: Client-defined tags and the lead <-> tag join table.
-- Created: 2025-06-24

CREATE TABLE tags (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  color TEXT DEFAULT '#6366f1',
  created_at TIMESTAMPTZ DEFAULT now(),
  CONSTRAINT tags_client_id_name_key UNIQUE (client_id, name)
);

CREATE TABLE lead_tags (
  lead_id UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  tag_id UUID NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  tagged_at TIMESTAMPTZ DEFAULT now(),
  CONSTRAINT lead_tags_pkey PRIMARY KEY (lead_id, tag_id)
);

CREATE INDEX IF NOT EXISTS idx_lead_tags_tag_id ON lead_tags(tag_id);

ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_tags ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can manage client tags"
  ON tags FOR ALL
  USING (client_id = get_user_client_id())
  WITH CHECK (client_id = get_user_client_id());

CREATE POLICY "Users can manage client lead tags"
  ON lead_tags FOR ALL
  USING (tag_id IN (SELECT id FROM tags WHERE client_id = get_user_client_id()))
  WITH CHECK (tag_id IN (SELECT id FROM tags WHERE client_id = get_user_client_id()));
