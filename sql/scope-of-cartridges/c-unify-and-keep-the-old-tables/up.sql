-- schemalens decision scope-of-cartridges, option C: Unify into one `cartridges` table scoped by `agencies`, keeping the old tables
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

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

-- copy the mappable rows of style_cartridges (their keys come from existing rows) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'style', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.style_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- copy the mappable rows of voice_cartridges (their keys come from existing rows) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'voice', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.voice_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- copy the mappable rows of brand_cartridges (their keys come from existing rows) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'brand', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.brand_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- copy the mappable rows of instruction_cartridges (their keys come from existing rows) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'instruction', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.instruction_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

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

COMMIT;
