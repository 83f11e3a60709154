-- schemalens decision user-mapping, option C: Trigger on `auth.users` creating `users` rows for new users
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- function create_user_for_new_auth_user() (SECURITY DEFINER, empty search_path) (locks: no table lock)
CREATE FUNCTION public.create_user_for_new_auth_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
BEGIN
  IF NEW.email IS NULL THEN
    RETURN NEW;  -- users.email is NOT NULL: no row for an auth user without it
  END IF;
  -- an invited user: the one users row with this email and no auth user takes the new id
  IF (SELECT count(*) FROM public.users AS t WHERE t.email = NEW.email
      AND NOT EXISTS (SELECT FROM auth.users AS a WHERE a.id = t.id)) = 1 THEN
    BEGIN
      UPDATE public.users AS t SET id = NEW.id
      WHERE t.email = NEW.email
      AND NOT EXISTS (SELECT FROM auth.users AS a WHERE a.id = t.id);
      RETURN NEW;
    EXCEPTION WHEN foreign_key_violation OR unique_violation THEN
      RAISE WARNING 'invited row not linked to auth user %: %', NEW.id, SQLERRM;
    END;
  END IF;
  INSERT INTO public.users (id, email)
  VALUES (NEW.id, NEW.email)
  ON CONFLICT DO NOTHING;  -- a row with this key (or another unique value) exists: left as it is
  RETURN NEW;
END;
$fn$;

-- only the trigger runs create_user_for_new_auth_user() (locks: no table lock)
REVOKE EXECUTE ON FUNCTION public.create_user_for_new_auth_user() FROM PUBLIC, anon, authenticated;

-- trigger on_auth_user_created on auth.users (locks: SHARE ROW EXCLUSIVE on auth.users)
CREATE TRIGGER on_auth_user_created
  AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.create_user_for_new_auth_user();

COMMIT;
