-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- copy.sql: NOT one transaction. Run it as it is, in autocommit (`psql -f copy.sql`, without --single-transaction and not inside BEGIN): each statement (each batch of a backfill) commits on its own; a lock that cannot be had within 5s stops it, and it can be run again.
SET lock_timeout = '5s';

-- copy the rows of style_cartridges into cartridges, 10000 per transaction (locks: ROW EXCLUSIVE on cartridges, ROW SHARE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
DO $copy$
DECLARE
  lo public.style_cartridges.id%TYPE;
  hi public.style_cartridges.id%TYPE;
BEGIN
  SELECT id INTO lo FROM public.style_cartridges ORDER BY id LIMIT 1;
  WHILE lo IS NOT NULL LOOP
    SELECT b.id INTO hi FROM (SELECT id FROM public.style_cartridges WHERE id >= lo ORDER BY id LIMIT 10000) AS b ORDER BY b.id DESC LIMIT 1;
    INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
    SELECT clients.agency_id, 'style', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
    FROM public.style_cartridges AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id
    WHERE t.id BETWEEN lo AND hi AND clients.agency_id IS NOT NULL
    FOR SHARE OF t  -- as it is now: a row deleted or changed since the batch began is skipped or read anew
    ON CONFLICT (type, legacy_id) DO NOTHING;  -- the mirror trigger wrote it: that row is as new or newer
    COMMIT;
    SELECT id INTO lo FROM public.style_cartridges WHERE id > hi ORDER BY id LIMIT 1;  -- NULL after the last
  END LOOP;
END
$copy$;

-- copy the rows of voice_cartridges into cartridges, 10000 per transaction (locks: ROW EXCLUSIVE on cartridges, ROW SHARE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
DO $copy$
DECLARE
  lo public.voice_cartridges.id%TYPE;
  hi public.voice_cartridges.id%TYPE;
BEGIN
  SELECT id INTO lo FROM public.voice_cartridges ORDER BY id LIMIT 1;
  WHILE lo IS NOT NULL LOOP
    SELECT b.id INTO hi FROM (SELECT id FROM public.voice_cartridges WHERE id >= lo ORDER BY id LIMIT 10000) AS b ORDER BY b.id DESC LIMIT 1;
    INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
    SELECT clients.agency_id, 'voice', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
    FROM public.voice_cartridges AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id
    WHERE t.id BETWEEN lo AND hi AND clients.agency_id IS NOT NULL
    FOR SHARE OF t  -- as it is now: a row deleted or changed since the batch began is skipped or read anew
    ON CONFLICT (type, legacy_id) DO NOTHING;  -- the mirror trigger wrote it: that row is as new or newer
    COMMIT;
    SELECT id INTO lo FROM public.voice_cartridges WHERE id > hi ORDER BY id LIMIT 1;  -- NULL after the last
  END LOOP;
END
$copy$;

-- copy the rows of brand_cartridges into cartridges, 10000 per transaction (locks: ROW EXCLUSIVE on cartridges, ROW SHARE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
DO $copy$
DECLARE
  lo public.brand_cartridges.id%TYPE;
  hi public.brand_cartridges.id%TYPE;
BEGIN
  SELECT id INTO lo FROM public.brand_cartridges ORDER BY id LIMIT 1;
  WHILE lo IS NOT NULL LOOP
    SELECT b.id INTO hi FROM (SELECT id FROM public.brand_cartridges WHERE id >= lo ORDER BY id LIMIT 10000) AS b ORDER BY b.id DESC LIMIT 1;
    INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
    SELECT clients.agency_id, 'brand', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
    FROM public.brand_cartridges AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id
    WHERE t.id BETWEEN lo AND hi AND clients.agency_id IS NOT NULL
    FOR SHARE OF t  -- as it is now: a row deleted or changed since the batch began is skipped or read anew
    ON CONFLICT (type, legacy_id) DO NOTHING;  -- the mirror trigger wrote it: that row is as new or newer
    COMMIT;
    SELECT id INTO lo FROM public.brand_cartridges WHERE id > hi ORDER BY id LIMIT 1;  -- NULL after the last
  END LOOP;
END
$copy$;

-- copy the rows of instruction_cartridges into cartridges, 10000 per transaction (locks: ROW EXCLUSIVE on cartridges, ROW SHARE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
DO $copy$
DECLARE
  lo public.instruction_cartridges.id%TYPE;
  hi public.instruction_cartridges.id%TYPE;
BEGIN
  SELECT id INTO lo FROM public.instruction_cartridges ORDER BY id LIMIT 1;
  WHILE lo IS NOT NULL LOOP
    SELECT b.id INTO hi FROM (SELECT id FROM public.instruction_cartridges WHERE id >= lo ORDER BY id LIMIT 10000) AS b ORDER BY b.id DESC LIMIT 1;
    INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
    SELECT clients.agency_id, 'instruction', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
    FROM public.instruction_cartridges AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id
    WHERE t.id BETWEEN lo AND hi AND clients.agency_id IS NOT NULL
    FOR SHARE OF t  -- as it is now: a row deleted or changed since the batch began is skipped or read anew
    ON CONFLICT (type, legacy_id) DO NOTHING;  -- the mirror trigger wrote it: that row is as new or newer
    COMMIT;
    SELECT id INTO lo FROM public.instruction_cartridges WHERE id > hi ORDER BY id LIMIT 1;  -- NULL after the last
  END LOOP;
END
$copy$;

RESET lock_timeout;
