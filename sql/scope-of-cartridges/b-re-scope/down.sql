-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges, agencies) (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS EXCLUSIVE on voice_cartridges, ACCESS EXCLUSIVE on brand_cartridges, ACCESS EXCLUSIVE on instruction_cartridges, ACCESS EXCLUSIVE on agencies)
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
      LOCK TABLE public.agencies IN ACCESS EXCLUSIVE MODE;
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

-- drop policy "Agency members can read instruction_cartridges" (locks: ACCESS EXCLUSIVE on instruction_cartridges)
DROP POLICY "Agency members can read instruction_cartridges" ON public.instruction_cartridges;

-- drop trigger set_instruction_cartridges_agency_id (locks: ACCESS EXCLUSIVE on instruction_cartridges)
DROP TRIGGER set_instruction_cartridges_agency_id ON public.instruction_cartridges;

-- drop function set_instruction_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_instruction_cartridges_agency_id();

-- drop instruction_cartridges.agency_id (locks: ACCESS EXCLUSIVE on instruction_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.instruction_cartridges DROP COLUMN agency_id;

-- drop policy "Agency members can read brand_cartridges" (locks: ACCESS EXCLUSIVE on brand_cartridges)
DROP POLICY "Agency members can read brand_cartridges" ON public.brand_cartridges;

-- drop trigger set_brand_cartridges_agency_id (locks: ACCESS EXCLUSIVE on brand_cartridges)
DROP TRIGGER set_brand_cartridges_agency_id ON public.brand_cartridges;

-- drop function set_brand_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_brand_cartridges_agency_id();

-- drop brand_cartridges.agency_id (locks: ACCESS EXCLUSIVE on brand_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.brand_cartridges DROP COLUMN agency_id;

-- drop policy "Agency members can read voice_cartridges" (locks: ACCESS EXCLUSIVE on voice_cartridges)
DROP POLICY "Agency members can read voice_cartridges" ON public.voice_cartridges;

-- drop trigger set_voice_cartridges_agency_id (locks: ACCESS EXCLUSIVE on voice_cartridges)
DROP TRIGGER set_voice_cartridges_agency_id ON public.voice_cartridges;

-- drop function set_voice_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_voice_cartridges_agency_id();

-- drop voice_cartridges.agency_id (locks: ACCESS EXCLUSIVE on voice_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.voice_cartridges DROP COLUMN agency_id;

-- drop policy "Agency members can read style_cartridges" (locks: ACCESS EXCLUSIVE on style_cartridges)
DROP POLICY "Agency members can read style_cartridges" ON public.style_cartridges;

-- drop trigger set_style_cartridges_agency_id (locks: ACCESS EXCLUSIVE on style_cartridges)
DROP TRIGGER set_style_cartridges_agency_id ON public.style_cartridges;

-- drop function set_style_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_style_cartridges_agency_id();

-- drop style_cartridges.agency_id (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.style_cartridges DROP COLUMN agency_id;

COMMIT;
