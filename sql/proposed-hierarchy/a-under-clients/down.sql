-- schemalens decision proposed-hierarchy, option A: New tables under `clients` (the existing hierarchy)
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop documents (locks: ACCESS EXCLUSIVE on documents, ACCESS EXCLUSIVE on clients, ACCESS EXCLUSIVE on users)
DROP TABLE public.documents;

-- drop tickets (locks: ACCESS EXCLUSIVE on tickets, ACCESS EXCLUSIVE on clients, ACCESS EXCLUSIVE on users)
DROP TABLE public.tickets;

-- drop alerts (locks: ACCESS EXCLUSIVE on alerts, ACCESS EXCLUSIVE on clients)
DROP TABLE public.alerts;

-- drop communications (locks: ACCESS EXCLUSIVE on communications, ACCESS EXCLUSIVE on clients)
DROP TABLE public.communications;

COMMIT;
