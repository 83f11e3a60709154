-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- switch.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- check that cartridges holds every row of the old tables as it is (reads only) (locks: ACCESS SHARE on style_cartridges, ACCESS SHARE on voice_cartridges, ACCESS SHARE on brand_cartridges, ACCESS SHARE on instruction_cartridges, ACCESS SHARE on cartridges)
DO $verify$
DECLARE
  differ bigint;
BEGIN
  SELECT count(*) INTO differ FROM (
SELECT 1 FROM public.style_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'style' AND u.legacy_id = t.id AND (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) = to_jsonb(t))
UNION ALL
SELECT 1 FROM public.cartridges AS u
WHERE u.type = 'style' AND u.legacy_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.style_cartridges AS t WHERE t.id = u.legacy_id)
UNION ALL
SELECT 1 FROM public.voice_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'voice' AND u.legacy_id = t.id AND (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) = to_jsonb(t))
UNION ALL
SELECT 1 FROM public.cartridges AS u
WHERE u.type = 'voice' AND u.legacy_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.voice_cartridges AS t WHERE t.id = u.legacy_id)
UNION ALL
SELECT 1 FROM public.brand_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'brand' AND u.legacy_id = t.id AND (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) = to_jsonb(t))
UNION ALL
SELECT 1 FROM public.cartridges AS u
WHERE u.type = 'brand' AND u.legacy_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.brand_cartridges AS t WHERE t.id = u.legacy_id)
UNION ALL
SELECT 1 FROM public.instruction_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'instruction' AND u.legacy_id = t.id AND (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) = to_jsonb(t))
UNION ALL
SELECT 1 FROM public.cartridges AS u
WHERE u.type = 'instruction' AND u.legacy_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.instruction_cartridges AS t WHERE t.id = u.legacy_id)
  ) AS d;
  IF differ > 0 THEN
    RAISE EXCEPTION '% rows of the old tables have no equal copy in cartridges (unmappable rows: preflight.sql; an interrupted copy: run copy.sql again); nothing was changed', differ;
  END IF;
END
$verify$;

-- create schema cartridges_archive (locks: no table lock)
CREATE SCHEMA cartridges_archive;

-- take every lock up front, in one order, retrying (style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges, cartridges) (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS EXCLUSIVE on voice_cartridges, ACCESS EXCLUSIVE on brand_cartridges, ACCESS EXCLUSIVE on instruction_cartridges, SHARE ROW EXCLUSIVE on cartridges)
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
      LOCK TABLE public.cartridges IN SHARE ROW EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges, cartridges in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- drop trigger mirror_style_cartridges_to_cartridges (locks: ACCESS EXCLUSIVE on style_cartridges)
DROP TRIGGER mirror_style_cartridges_to_cartridges ON public.style_cartridges;

-- drop trigger mirror_style_cartridges_to_cartridges_truncate (locks: ACCESS EXCLUSIVE on style_cartridges)
DROP TRIGGER mirror_style_cartridges_to_cartridges_truncate ON public.style_cartridges;

-- drop function mirror_style_cartridges_to_cartridges (locks: no table lock)
DROP FUNCTION public.mirror_style_cartridges_to_cartridges();

-- drop trigger mirror_voice_cartridges_to_cartridges (locks: ACCESS EXCLUSIVE on voice_cartridges)
DROP TRIGGER mirror_voice_cartridges_to_cartridges ON public.voice_cartridges;

-- drop trigger mirror_voice_cartridges_to_cartridges_truncate (locks: ACCESS EXCLUSIVE on voice_cartridges)
DROP TRIGGER mirror_voice_cartridges_to_cartridges_truncate ON public.voice_cartridges;

-- drop function mirror_voice_cartridges_to_cartridges (locks: no table lock)
DROP FUNCTION public.mirror_voice_cartridges_to_cartridges();

-- drop trigger mirror_brand_cartridges_to_cartridges (locks: ACCESS EXCLUSIVE on brand_cartridges)
DROP TRIGGER mirror_brand_cartridges_to_cartridges ON public.brand_cartridges;

-- drop trigger mirror_brand_cartridges_to_cartridges_truncate (locks: ACCESS EXCLUSIVE on brand_cartridges)
DROP TRIGGER mirror_brand_cartridges_to_cartridges_truncate ON public.brand_cartridges;

-- drop function mirror_brand_cartridges_to_cartridges (locks: no table lock)
DROP FUNCTION public.mirror_brand_cartridges_to_cartridges();

-- drop trigger mirror_instruction_cartridges_to_cartridges (locks: ACCESS EXCLUSIVE on instruction_cartridges)
DROP TRIGGER mirror_instruction_cartridges_to_cartridges ON public.instruction_cartridges;

-- drop trigger mirror_instruction_cartridges_to_cartridges_truncate (locks: ACCESS EXCLUSIVE on instruction_cartridges)
DROP TRIGGER mirror_instruction_cartridges_to_cartridges_truncate ON public.instruction_cartridges;

-- drop function mirror_instruction_cartridges_to_cartridges (locks: no table lock)
DROP FUNCTION public.mirror_instruction_cartridges_to_cartridges();

-- move style_cartridges to schema cartridges_archive (locks: ACCESS EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges SET SCHEMA cartridges_archive;

-- move voice_cartridges to schema cartridges_archive (locks: ACCESS EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges SET SCHEMA cartridges_archive;

-- move brand_cartridges to schema cartridges_archive (locks: ACCESS EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges SET SCHEMA cartridges_archive;

-- move instruction_cartridges to schema cartridges_archive (locks: ACCESS EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges SET SCHEMA cartridges_archive;

-- function forget_archived_cartridges() deleting from cartridges_archive the row of each row deleted from cartridges (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.forget_archived_cartridges()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM cartridges_archive.style_cartridges;
    DELETE FROM cartridges_archive.voice_cartridges;
    DELETE FROM cartridges_archive.brand_cartridges;
    DELETE FROM cartridges_archive.instruction_cartridges;
    RETURN NULL;
  END IF;
  IF OLD.type = 'style' THEN
    DELETE FROM cartridges_archive.style_cartridges WHERE id = OLD.legacy_id;
  ELSIF OLD.type = 'voice' THEN
    DELETE FROM cartridges_archive.voice_cartridges WHERE id = OLD.legacy_id;
  ELSIF OLD.type = 'brand' THEN
    DELETE FROM cartridges_archive.brand_cartridges WHERE id = OLD.legacy_id;
  ELSIF OLD.type = 'instruction' THEN
    DELETE FROM cartridges_archive.instruction_cartridges WHERE id = OLD.legacy_id;
  END IF;
  RETURN NULL;
END;
$fn$;

-- only the trigger runs forget_archived_cartridges() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.forget_archived_cartridges() FROM PUBLIC, anon, authenticated;

-- a row deleted from cartridges is deleted from cartridges_archive too (down.sql does not bring it back) (locks: SHARE ROW EXCLUSIVE on cartridges)
CREATE TRIGGER forget_archived_cartridges
  AFTER DELETE ON public.cartridges
  FOR EACH ROW EXECUTE FUNCTION public.forget_archived_cartridges();

-- a truncate of cartridges empties cartridges_archive too (locks: SHARE ROW EXCLUSIVE on cartridges)
CREATE TRIGGER forget_archived_cartridges_truncate
  AFTER TRUNCATE ON public.cartridges
  FOR EACH STATEMENT EXECUTE FUNCTION public.forget_archived_cartridges();

COMMIT;
