-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- move cartridges_archive.instruction_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.instruction_cartridges)
ALTER TABLE cartridges_archive.instruction_cartridges SET SCHEMA public;

-- move cartridges_archive.brand_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.brand_cartridges)
ALTER TABLE cartridges_archive.brand_cartridges SET SCHEMA public;

-- move cartridges_archive.voice_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.voice_cartridges)
ALTER TABLE cartridges_archive.voice_cartridges SET SCHEMA public;

-- move cartridges_archive.style_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.style_cartridges)
ALTER TABLE cartridges_archive.style_cartridges SET SCHEMA public;

-- drop schema cartridges_archive (only when empty) (locks: no table lock)
DROP SCHEMA cartridges_archive;

-- drop cartridges (locks: ACCESS EXCLUSIVE on cartridges, ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on auth.users)
DROP TABLE public.cartridges;

COMMIT;
