-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges, agencies) (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS EXCLUSIVE on voice_cartridges, ACCESS EXCLUSIVE on brand_cartridges, ACCESS EXCLUSIVE on instruction_cartridges, SHARE ROW EXCLUSIVE on agencies)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.style_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.voice_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.brand_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.instruction_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.agencies IN SHARE ROW EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges, agencies in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- add style_cartridges.agency_id (locks: ACCESS EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges ADD COLUMN agency_id uuid;

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on style_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.style_cartridges ADD CONSTRAINT style_cartridges_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies (id) ON DELETE CASCADE NOT VALID;

-- function set_style_cartridges_agency_id() deriving style_cartridges.agency_id (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.set_style_cartridges_agency_id()
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

-- only the trigger runs set_style_cartridges_agency_id() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.set_style_cartridges_agency_id() FROM PUBLIC, anon, authenticated;

-- trigger set_style_cartridges_agency_id on style_cartridges (locks: SHARE ROW EXCLUSIVE on style_cartridges)
CREATE TRIGGER set_style_cartridges_agency_id
  BEFORE INSERT OR UPDATE OF user_id, agency_id ON public.style_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.set_style_cartridges_agency_id();

-- add voice_cartridges.agency_id (locks: ACCESS EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges ADD COLUMN agency_id uuid;

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on voice_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.voice_cartridges ADD CONSTRAINT voice_cartridges_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies (id) ON DELETE CASCADE NOT VALID;

-- function set_voice_cartridges_agency_id() deriving voice_cartridges.agency_id (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.set_voice_cartridges_agency_id()
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

-- only the trigger runs set_voice_cartridges_agency_id() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.set_voice_cartridges_agency_id() FROM PUBLIC, anon, authenticated;

-- trigger set_voice_cartridges_agency_id on voice_cartridges (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
CREATE TRIGGER set_voice_cartridges_agency_id
  BEFORE INSERT OR UPDATE OF user_id, agency_id ON public.voice_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.set_voice_cartridges_agency_id();

-- add brand_cartridges.agency_id (locks: ACCESS EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges ADD COLUMN agency_id uuid;

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on brand_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.brand_cartridges ADD CONSTRAINT brand_cartridges_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies (id) ON DELETE CASCADE NOT VALID;

-- function set_brand_cartridges_agency_id() deriving brand_cartridges.agency_id (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.set_brand_cartridges_agency_id()
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

-- only the trigger runs set_brand_cartridges_agency_id() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.set_brand_cartridges_agency_id() FROM PUBLIC, anon, authenticated;

-- trigger set_brand_cartridges_agency_id on brand_cartridges (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
CREATE TRIGGER set_brand_cartridges_agency_id
  BEFORE INSERT OR UPDATE OF user_id, agency_id ON public.brand_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.set_brand_cartridges_agency_id();

-- add instruction_cartridges.agency_id (locks: ACCESS EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges ADD COLUMN agency_id uuid;

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on instruction_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.instruction_cartridges ADD CONSTRAINT instruction_cartridges_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies (id) ON DELETE CASCADE NOT VALID;

-- function set_instruction_cartridges_agency_id() deriving instruction_cartridges.agency_id (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.set_instruction_cartridges_agency_id()
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

-- only the trigger runs set_instruction_cartridges_agency_id() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.set_instruction_cartridges_agency_id() FROM PUBLIC, anon, authenticated;

-- trigger set_instruction_cartridges_agency_id on instruction_cartridges (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
CREATE TRIGGER set_instruction_cartridges_agency_id
  BEFORE INSERT OR UPDATE OF user_id, agency_id ON public.instruction_cartridges
  FOR EACH ROW EXECUTE FUNCTION public.set_instruction_cartridges_agency_id();

COMMIT;
