-- Migration: 014_rename_linkedin_posts
-- Description: linkedin_posts -> posts (posts are no longer LinkedIn-only),
--   content -> body for consistency with post_comments and messages.
--   post_comments.post_id keeps pointing at the renamed table.
-- Created: 2025-04-08

ALTER TABLE linkedin_posts RENAME TO posts;
ALTER TABLE posts RENAME COLUMN content TO body;

ALTER INDEX idx_linkedin_posts_campaign_id RENAME TO idx_posts_campaign_id;
ALTER INDEX idx_linkedin_posts_account_id RENAME TO idx_posts_linkedin_account_id;
ALTER INDEX idx_linkedin_posts_urn RENAME TO idx_posts_linkedin_post_urn;

ALTER TRIGGER update_linkedin_posts_updated_at ON posts RENAME TO update_posts_updated_at;

ALTER TABLE posts ADD COLUMN platform TEXT NOT NULL DEFAULT 'linkedin';
