-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- backfill-voice_cartridges.sql: NOT one transaction. Run it as it is, in autocommit (`psql -f backfill-voice_cartridges.sql`, without --single-transaction and not inside BEGIN): each statement (each batch of a backfill) commits on its own; a lock that cannot be had within 5s stops it, and it can be run again.
SET lock_timeout = '5s';

-- backfill voice_cartridges.agency_id along the route, 10,000 rows per transaction (the new key is checked by validate.sql) (locks: ROW EXCLUSIVE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
DO $backfill$
DECLARE
  lo public.voice_cartridges.id%TYPE;
  hi public.voice_cartridges.id%TYPE;
BEGIN
  SELECT id INTO lo FROM public.voice_cartridges ORDER BY id LIMIT 1;
  WHILE lo IS NOT NULL LOOP
    -- this batch's transaction only: the table's triggers do not fire for the rows written here
    SET LOCAL session_replication_role = replica;
    SELECT b.id INTO hi FROM (SELECT id FROM public.voice_cartridges WHERE id >= lo ORDER BY id LIMIT 10000) AS b ORDER BY b.id DESC LIMIT 1;
    UPDATE public.voice_cartridges AS t
      SET agency_id = clients.agency_id
      FROM public.users
      JOIN public.clients ON clients.id = users.client_id
      WHERE t.id BETWEEN lo AND hi
        AND users.id = t.user_id
        AND t.agency_id IS DISTINCT FROM clients.agency_id;
    COMMIT;
    SELECT id INTO lo FROM public.voice_cartridges WHERE id > hi ORDER BY id LIMIT 1;  -- NULL after the last
  END LOOP;
END
$backfill$;

RESET lock_timeout;
