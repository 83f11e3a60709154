-- Migration: 019_leads_source_post
-- Description: Remember which post a lead came from (comment-to-lead flow).
--   The FK is added NOT VALID so the ALTER does not scan/lock leads;
--   it is validated in 020.
-- Created: 2025-04-25

ALTER TABLE leads ADD COLUMN IF NOT EXISTS source_post_id UUID;

ALTER TABLE leads
  ADD CONSTRAINT leads_source_post_id_fkey
  FOREIGN KEY (source_post_id) REFERENCES posts(id) ON DELETE SET NULL
  NOT VALID;

CREATE INDEX IF NOT EXISTS idx_leads_source_post_id ON leads(source_post_id);
