-- schemalens decision index-foreign-keys, option A: Create the indexes
-- up.sql: NOT one transaction. Run it as it is, in autocommit (`psql -f up.sql`, without --single-transaction and not inside BEGIN): each statement (each batch of a backfill) commits on its own; a lock that cannot be had within 5s stops it, and it can be run again.
SET lock_timeout = '5s';

-- index instruction_cartridges (user_id) without blocking writes (locks: SHARE UPDATE EXCLUSIVE on instruction_cartridges)
CREATE INDEX CONCURRENTLY idx_instruction_cartridges_user_id ON public.instruction_cartridges (user_id);

RESET lock_timeout;
