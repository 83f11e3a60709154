-- Migration: 020_validate_leads_source_post_fk
-- Description: Backfill finished; validate the FK added NOT VALID in 019.
-- Created: 2025-04-28

ALTER TABLE leads VALIDATE CONSTRAINT leads_source_post_id_fkey;
