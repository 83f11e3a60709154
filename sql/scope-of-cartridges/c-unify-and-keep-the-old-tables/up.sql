-- schemalens decision scope-of-cartridges, option C: Unify into one `cartridges` table scoped by `agencies`, keeping the old tables
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- create cartridges (locks: ACCESS EXCLUSIVE on cartridges, SHARE ROW EXCLUSIVE on agencies, SHARE ROW EXCLUSIVE on auth.users)
CREATE TABLE public.cartridges (
  id uuid PRIMARY KEY DEFAULT GEN_RANDOM_UUID(),
  agency_id uuid NOT NULL REFERENCES public.agencies (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('style', 'voice', 'brand', 'instruction')),
  name text NOT NULL,
  is_default boolean DEFAULT FALSE,
  created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
  user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  config jsonb NOT NULL DEFAULT '{}',
  legacy_id uuid,
  UNIQUE (type, legacy_id)
);

-- index cartridges (agency_id, type) (locks: SHARE on cartridges)
CREATE INDEX idx_cartridges_agency_id_type ON public.cartridges (agency_id, type);

-- index cartridges (user_id) (locks: SHARE on cartridges)
CREATE INDEX idx_cartridges_user_id ON public.cartridges (user_id);

-- copy the mappable rows of style_cartridges (their keys are checked: ROW SHARE on agencies, auth.users) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'style', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.style_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- copy the mappable rows of voice_cartridges (their keys are checked: ROW SHARE on agencies, auth.users) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'voice', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.voice_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- copy the mappable rows of brand_cartridges (their keys are checked: ROW SHARE on agencies, auth.users) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'brand', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.brand_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- copy the mappable rows of instruction_cartridges (their keys are checked: ROW SHARE on agencies, auth.users) (locks: ROW EXCLUSIVE on cartridges, ACCESS SHARE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies, ROW SHARE on auth.users)
INSERT INTO public.cartridges (agency_id, type, name, is_default, created_at, updated_at, user_id, config, legacy_id)
SELECT clients.agency_id, 'instruction', t.name, t.is_default, t.created_at, t.updated_at, t.user_id, to_jsonb(t) - ARRAY['id', 'user_id', 'name', 'is_default', 'created_at', 'updated_at'], t.id
FROM public.instruction_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NOT NULL;

-- enable row level security on cartridges (locks: ACCESS EXCLUSIVE on cartridges)
ALTER TABLE public.cartridges ENABLE ROW LEVEL SECURITY;

-- policy "Agency members can manage cartridges" (locks: ACCESS EXCLUSIVE on cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can manage cartridges" ON public.cartridges
  FOR ALL TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- trigger update_cartridges_updated_at on cartridges (locks: SHARE ROW EXCLUSIVE on cartridges)
CREATE TRIGGER update_cartridges_updated_at
  BEFORE UPDATE ON public.cartridges
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

COMMIT;
