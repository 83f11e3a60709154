-- schemalens decision index-foreign-keys, option A: Create the indexes
-- down.sql: NOT one transaction. Run it as it is, in autocommit (`psql -f down.sql`, without --single-transaction and not inside BEGIN): each statement (each batch of a backfill) commits on its own; a lock that cannot be had within 5s stops it, and it can be run again.
SET lock_timeout = '5s';

-- drop index idx_instruction_cartridges_user_id without blocking reads or writes (locks: SHARE UPDATE EXCLUSIVE on instruction_cartridges)
DROP INDEX CONCURRENTLY IF EXISTS public.idx_instruction_cartridges_user_id;

RESET lock_timeout;
