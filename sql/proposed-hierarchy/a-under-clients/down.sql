-- schemalens decision proposed-hierarchy, option A: New tables under `clients` (the existing hierarchy)
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (documents, clients, users, tickets, alerts, communications) (locks: ACCESS EXCLUSIVE on documents, ACCESS EXCLUSIVE on clients, ACCESS EXCLUSIVE on users, ACCESS EXCLUSIVE on tickets, ACCESS EXCLUSIVE on alerts, ACCESS EXCLUSIVE on communications)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.documents IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.clients IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.tickets IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.alerts IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.communications IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock documents, clients, users, tickets, alerts, communications in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- drop documents (locks: ACCESS EXCLUSIVE on documents, ACCESS EXCLUSIVE on clients, ACCESS EXCLUSIVE on users)
DROP TABLE public.documents;

-- drop tickets (locks: ACCESS EXCLUSIVE on tickets, ACCESS EXCLUSIVE on clients, ACCESS EXCLUSIVE on users)
DROP TABLE public.tickets;

-- drop alerts (locks: ACCESS EXCLUSIVE on alerts, ACCESS EXCLUSIVE on clients)
DROP TABLE public.alerts;

-- drop communications (locks: ACCESS EXCLUSIVE on communications, ACCESS EXCLUSIVE on clients)
DROP TABLE public.communications;

COMMIT;
