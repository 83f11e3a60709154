-- schemalens decision index-foreign-keys, option A: Create the indexes
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- index instruction_cartridges (user_id) (locks: SHARE on instruction_cartridges)
CREATE INDEX idx_instruction_cartridges_user_id ON public.instruction_cartridges (user_id);

COMMIT;
