-- schemalens decision index-foreign-keys, option A: Create the indexes
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop index idx_instruction_cartridges_user_id (locks: ACCESS EXCLUSIVE on instruction_cartridges)
DROP INDEX public.idx_instruction_cartridges_user_id;

COMMIT;
