-- Migration: 006_linkedin_posts_and_comments
-- Description: Posts published for a campaign and the comments they attract
--   (comment authors become lead candidates).
-- Created: 2025-03-12

CREATE TABLE linkedin_posts (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  linkedin_account_id UUID REFERENCES linkedin_accounts(id) ON DELETE SET NULL,
  content TEXT NOT NULL,
  linkedin_post_urn TEXT,
  status TEXT NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'scheduled', 'published', 'failed')),
  scheduled_for TIMESTAMPTZ,
  published_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX idx_linkedin_posts_campaign_id ON linkedin_posts(campaign_id);
CREATE INDEX idx_linkedin_posts_account_id ON linkedin_posts(linkedin_account_id);
CREATE UNIQUE INDEX idx_linkedin_posts_urn ON linkedin_posts(linkedin_post_urn)
  WHERE linkedin_post_urn IS NOT NULL;

CREATE TABLE post_comments (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  post_id UUID NOT NULL REFERENCES linkedin_posts(id) ON DELETE CASCADE,
  author_name TEXT,
  author_linkedin_url TEXT,
  body TEXT NOT NULL,
  commented_at TIMESTAMPTZ,
  processed BOOLEAN DEFAULT false,
  created_at TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX idx_post_comments_post_id ON post_comments(post_id);
CREATE INDEX idx_post_comments_unprocessed ON post_comments(processed) WHERE processed = false;

CREATE TRIGGER update_linkedin_posts_updated_at
  BEFORE UPDATE ON linkedin_posts
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
