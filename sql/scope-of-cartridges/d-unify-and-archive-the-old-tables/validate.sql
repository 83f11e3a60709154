-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- validate.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on cartridges, ROW SHARE on agencies)
ALTER TABLE public.cartridges VALIDATE CONSTRAINT cartridges_agency_id_fkey;

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on cartridges, ROW SHARE on auth.users)
ALTER TABLE public.cartridges VALIDATE CONSTRAINT cartridges_user_id_fkey;

COMMIT;
