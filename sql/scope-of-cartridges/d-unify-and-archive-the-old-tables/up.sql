-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- refuse to run while a row cannot be mapped (locks: ACCESS SHARE on style_cartridges, ACCESS SHARE on voice_cartridges, ACCESS SHARE on brand_cartridges, ACCESS SHARE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
DO $guard$
DECLARE
  unmapped bigint;
BEGIN
  SELECT count(*) INTO unmapped FROM (
SELECT 'style_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.style_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
UNION ALL
SELECT 'voice_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.voice_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
UNION ALL
SELECT 'brand_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.brand_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
UNION ALL
SELECT 'instruction_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.instruction_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
  ) AS u;
  IF unmapped > 0 THEN
    RAISE EXCEPTION '% rows of the cartridges tables cannot be mapped to agencies: see preflight.sql (unmappable); nothing was changed', unmapped;
  END IF;
END
$guard$;

-- take every lock up front, in one order, retrying (style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges) (locks: SHARE ROW EXCLUSIVE on style_cartridges, SHARE ROW EXCLUSIVE on voice_cartridges, SHARE ROW EXCLUSIVE on brand_cartridges, SHARE ROW EXCLUSIVE on instruction_cartridges)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.style_cartridges IN SHARE ROW EXCLUSIVE MODE;
      LOCK TABLE public.voice_cartridges IN SHARE ROW EXCLUSIVE MODE;
      LOCK TABLE public.brand_cartridges IN SHARE ROW EXCLUSIVE MODE;
      LOCK TABLE public.instruction_cartridges IN SHARE ROW EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- create cartridges (locks: ACCESS EXCLUSIVE on cartridges)
CREATE TABLE public.cartridges (
  id uuid PRIMARY KEY DEFAULT GEN_RANDOM_UUID(),
  agency_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('style', 'voice', 'brand', 'instruction')),
  name text NOT NULL,
  is_default boolean DEFAULT FALSE,
  created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
  user_id uuid,
  config jsonb NOT NULL DEFAULT '{}',
  legacy_id uuid,
  UNIQUE (type, legacy_id)
);

-- index cartridges (agency_id, type) (locks: SHARE on cartridges)
CREATE INDEX idx_cartridges_agency_id_type ON public.cartridges (agency_id, type);

-- index cartridges (user_id) (locks: SHARE on cartridges)
CREATE INDEX idx_cartridges_user_id ON public.cartridges (user_id);

-- enable row level security on cartridges (locks: ACCESS EXCLUSIVE on cartridges)
ALTER TABLE public.cartridges ENABLE ROW LEVEL SECURITY;

-- policy "Agency members can read cartridges" (locks: ACCESS EXCLUSIVE on cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read cartridges" ON public.cartridges
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Owners can add cartridges" (locks: ACCESS EXCLUSIVE on cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Owners can add cartridges" ON public.cartridges
  FOR INSERT TO authenticated
  WITH CHECK (user_id = auth.uid() AND agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Owners can change cartridges" (locks: ACCESS EXCLUSIVE on cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Owners can change cartridges" ON public.cartridges
  FOR UPDATE TO authenticated
  USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid() AND agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Owners can delete cartridges" (locks: ACCESS EXCLUSIVE on cartridges)
CREATE POLICY "Owners can delete cartridges" ON public.cartridges
  FOR DELETE TO authenticated
  USING (user_id = auth.uid());

-- function set_cartridges_agency_id() deriving cartridges.agency_id (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.set_cartridges_agency_id()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
BEGIN
  -- derived from user_id: a user cannot put the row in another tenant
  NEW.agency_id := (SELECT clients.agency_id
    FROM public.users
    JOIN public.clients ON clients.id = users.client_id
    WHERE users.id = NEW.user_id);
  RETURN NEW;
END;
$fn$;

-- only the trigger runs set_cartridges_agency_id() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.set_cartridges_agency_id() FROM PUBLIC, anon, authenticated;

-- trigger set_cartridges_agency_id on cartridges (locks: SHARE ROW EXCLUSIVE on cartridges)
CREATE TRIGGER set_cartridges_agency_id
  BEFORE INSERT OR UPDATE OF user_id, agency_id ON public.cartridges
  FOR EACH ROW EXECUTE FUNCTION public.set_cartridges_agency_id();

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.cartridges ADD CONSTRAINT cartridges_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies (id) ON DELETE CASCADE NOT VALID;

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on cartridges, SHARE ROW EXCLUSIVE on auth.users)
ALTER TABLE public.cartridges ADD CONSTRAINT cartridges_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE NOT VALID;

-- trigger update_cartridges_updated_at on cartridges (locks: SHARE ROW EXCLUSIVE on cartridges)
CREATE TRIGGER update_cartridges_updated_at
  BEFORE UPDATE ON public.cartridges
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- function mirror_style_cartridges_to_cartridges() writing each change of style_cartridges into cartridges (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.mirror_style_cartridges_to_cartridges()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
  target uuid;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM public.cartridges WHERE type = 'style' AND legacy_id IS NOT NULL;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id) THEN
    DELETE FROM public.cartridges WHERE type = 'style' AND legacy_id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  SELECT clients.agency_id INTO target FROM (SELECT NEW.*) AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id;
  IF target IS NULL THEN
    RAISE EXCEPTION 'a style_cartridges row whose owner cannot be mapped (while cartridges is filled from it)' USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
  SELECT target, 'style', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
  FROM (SELECT NEW.*) AS t
  ON CONFLICT (type, legacy_id) DO UPDATE SET agency_id = EXCLUDED.agency_id, name = EXCLUDED.name, is_default = EXCLUDED.is_default, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, user_id = EXCLUDED.user_id, config = EXCLUDED.config;
  RETURN NULL;
END;
$fn$;

-- only the trigger runs mirror_style_cartridges_to_cartridges() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.mirror_style_cartridges_to_cartridges() FROM PUBLIC, anon, authenticated;

-- mirror every insert, update and delete of style_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on style_cartridges)
CREATE TRIGGER mirror_style_cartridges_to_cartridges
  AFTER INSERT OR UPDATE OR DELETE ON public.style_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.mirror_style_cartridges_to_cartridges();

-- mirror a truncate of style_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on style_cartridges)
CREATE TRIGGER mirror_style_cartridges_to_cartridges_truncate
  AFTER TRUNCATE ON public.style_cartridges
  FOR EACH STATEMENT EXECUTE FUNCTION public.mirror_style_cartridges_to_cartridges();

-- function mirror_voice_cartridges_to_cartridges() writing each change of voice_cartridges into cartridges (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.mirror_voice_cartridges_to_cartridges()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
  target uuid;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM public.cartridges WHERE type = 'voice' AND legacy_id IS NOT NULL;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id) THEN
    DELETE FROM public.cartridges WHERE type = 'voice' AND legacy_id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  SELECT clients.agency_id INTO target FROM (SELECT NEW.*) AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id;
  IF target IS NULL THEN
    RAISE EXCEPTION 'a voice_cartridges row whose owner cannot be mapped (while cartridges is filled from it)' USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
  SELECT target, 'voice', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
  FROM (SELECT NEW.*) AS t
  ON CONFLICT (type, legacy_id) DO UPDATE SET agency_id = EXCLUDED.agency_id, name = EXCLUDED.name, is_default = EXCLUDED.is_default, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, user_id = EXCLUDED.user_id, config = EXCLUDED.config;
  RETURN NULL;
END;
$fn$;

-- only the trigger runs mirror_voice_cartridges_to_cartridges() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.mirror_voice_cartridges_to_cartridges() FROM PUBLIC, anon, authenticated;

-- mirror every insert, update and delete of voice_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
CREATE TRIGGER mirror_voice_cartridges_to_cartridges
  AFTER INSERT OR UPDATE OR DELETE ON public.voice_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.mirror_voice_cartridges_to_cartridges();

-- mirror a truncate of voice_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
CREATE TRIGGER mirror_voice_cartridges_to_cartridges_truncate
  AFTER TRUNCATE ON public.voice_cartridges
  FOR EACH STATEMENT EXECUTE FUNCTION public.mirror_voice_cartridges_to_cartridges();

-- function mirror_brand_cartridges_to_cartridges() writing each change of brand_cartridges into cartridges (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.mirror_brand_cartridges_to_cartridges()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
  target uuid;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM public.cartridges WHERE type = 'brand' AND legacy_id IS NOT NULL;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id) THEN
    DELETE FROM public.cartridges WHERE type = 'brand' AND legacy_id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  SELECT clients.agency_id INTO target FROM (SELECT NEW.*) AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id;
  IF target IS NULL THEN
    RAISE EXCEPTION 'a brand_cartridges row whose owner cannot be mapped (while cartridges is filled from it)' USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
  SELECT target, 'brand', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
  FROM (SELECT NEW.*) AS t
  ON CONFLICT (type, legacy_id) DO UPDATE SET agency_id = EXCLUDED.agency_id, name = EXCLUDED.name, is_default = EXCLUDED.is_default, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, user_id = EXCLUDED.user_id, config = EXCLUDED.config;
  RETURN NULL;
END;
$fn$;

-- only the trigger runs mirror_brand_cartridges_to_cartridges() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.mirror_brand_cartridges_to_cartridges() FROM PUBLIC, anon, authenticated;

-- mirror every insert, update and delete of brand_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
CREATE TRIGGER mirror_brand_cartridges_to_cartridges
  AFTER INSERT OR UPDATE OR DELETE ON public.brand_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.mirror_brand_cartridges_to_cartridges();

-- mirror a truncate of brand_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
CREATE TRIGGER mirror_brand_cartridges_to_cartridges_truncate
  AFTER TRUNCATE ON public.brand_cartridges
  FOR EACH STATEMENT EXECUTE FUNCTION public.mirror_brand_cartridges_to_cartridges();

-- function mirror_instruction_cartridges_to_cartridges() writing each change of instruction_cartridges into cartridges (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.mirror_instruction_cartridges_to_cartridges()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
  target uuid;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM public.cartridges WHERE type = 'instruction' AND legacy_id IS NOT NULL;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id) THEN
    DELETE FROM public.cartridges WHERE type = 'instruction' AND legacy_id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  SELECT clients.agency_id INTO target FROM (SELECT NEW.*) AS t
    JOIN public.users ON users.id = t.user_id
    JOIN public.clients ON clients.id = users.client_id;
  IF target IS NULL THEN
    RAISE EXCEPTION 'a instruction_cartridges row whose owner cannot be mapped (while cartridges is filled from it)' USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
  SELECT target, 'instruction', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
  FROM (SELECT NEW.*) AS t
  ON CONFLICT (type, legacy_id) DO UPDATE SET agency_id = EXCLUDED.agency_id, name = EXCLUDED.name, is_default = EXCLUDED.is_default, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, user_id = EXCLUDED.user_id, config = EXCLUDED.config;
  RETURN NULL;
END;
$fn$;

-- only the trigger runs mirror_instruction_cartridges_to_cartridges() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.mirror_instruction_cartridges_to_cartridges() FROM PUBLIC, anon, authenticated;

-- mirror every insert, update and delete of instruction_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
CREATE TRIGGER mirror_instruction_cartridges_to_cartridges
  AFTER INSERT OR UPDATE OR DELETE ON public.instruction_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.mirror_instruction_cartridges_to_cartridges();

-- mirror a truncate of instruction_cartridges into cartridges (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
CREATE TRIGGER mirror_instruction_cartridges_to_cartridges_truncate
  AFTER TRUNCATE ON public.instruction_cartridges
  FOR EACH STATEMENT EXECUTE FUNCTION public.mirror_instruction_cartridges_to_cartridges();

COMMIT;
