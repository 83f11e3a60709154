-- Migration: 022_campaign_limits_and_message_direction
-- Description: Idempotent additions (this file was hot-applied to production
--   from the SQL editor before it was committed, hence the guards).
-- Created: 2025-05-06

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1
    FROM information_schema.columns
    WHERE table_schema = 'public'
      AND table_name = 'campaigns'
      AND column_name = 'daily_connection_limit'
  ) THEN
    ALTER TABLE campaigns ADD COLUMN daily_connection_limit INTEGER DEFAULT 20;
  END IF;
END $$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'message_direction') THEN
    CREATE TYPE message_direction AS ENUM ('outbound', 'inbound');
  END IF;
END $$;

ALTER TABLE messages ADD COLUMN IF NOT EXISTS direction message_direction NOT NULL DEFAULT 'outbound';
