-- schemalens decision user-mapping, option B: Keep the soft reference and document it
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- document the column (locks: SHARE UPDATE EXCLUSIVE on users)
COMMENT ON COLUMN public.users.id IS 'Soft reference to auth.users.id: not enforced (no foreign key, no trigger); the application keeps it in step. Rows out of step: schemalens decision user-mapping, option B (preflight.sql).';

COMMIT;
