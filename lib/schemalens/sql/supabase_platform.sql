-- The rest of a new Supabase project, for schemalens's throwaway databases (after supabase_standins.sql).
--
-- NOT Supabase's code: look-alikes of what every new Supabase project has and migrations written for it
-- rely on: Supabase's other roles, its schemas (graphql_public, realtime, vault, supabase_migrations),
-- the extensions it enables by default in their schemas (uuid-ossp, pgcrypto and pgjwt in extensions,
-- pg_graphql, supabase_vault; schemalens's stand-ins where the server lacks them: see sql/extension/),
-- extensions on the database's search_path, the rest of the auth schema migrations reference
-- (identities, sessions, refresh_tokens, mfa_factors, audit_log_entries) and the supabase_realtime
-- publication. Idempotent; an extension the server cannot provide is skipped here (and refused, and
-- reported, where a migration creates it).

-- (Supabase's other roles are created with anon, authenticated and service_role in supabase_standins.sql.)

GRANT anon, authenticated, service_role TO authenticator;


CREATE SCHEMA IF NOT EXISTS realtime;
CREATE SCHEMA IF NOT EXISTS supabase_migrations;

-- The extensions a new project has, where the server can provide them.
DO $extensions$
DECLARE
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        ARRAY['uuid-ossp', 'extensions'], ARRAY['pgcrypto', 'extensions'], ARRAY['pgjwt', 'extensions'],
        ARRAY['pg_stat_statements', 'extensions'], ARRAY['pg_graphql', 'extensions'], ARRAY['supabase_vault', 'extensions']
    ] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = spec[1]) THEN
            EXECUTE pg_catalog.format('CREATE SCHEMA IF NOT EXISTS %I', spec[2]);
            EXECUTE pg_catalog.format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I', spec[1], spec[2]);
        END IF;
    END LOOP;
END
$extensions$;

CREATE SCHEMA IF NOT EXISTS graphql_public;
GRANT USAGE ON SCHEMA graphql_public TO anon, authenticated, service_role;

-- Supabase puts extensions on every role's search_path.
DO $path$
BEGIN
    EXECUTE pg_catalog.format('ALTER DATABASE %I SET search_path = "$user", public, extensions',
                              pg_catalog.current_database());
END
$path$;
SET search_path = "$user", public, extensions;

-- The rest of auth that migrations reference (Supabase's columns).
CREATE TABLE IF NOT EXISTS auth.identities (
    provider_id text NOT NULL,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    identity_data jsonb NOT NULL,
    provider text NOT NULL,
    last_sign_in_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
    id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);

CREATE TABLE IF NOT EXISTS auth.sessions (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz,
    updated_at timestamptz,
    factor_id uuid,
    aal text,
    not_after timestamptz,
    refreshed_at timestamp,
    user_agent text,
    ip inet,
    tag text
);

CREATE TABLE IF NOT EXISTS auth.refresh_tokens (
    instance_id uuid,
    id bigserial PRIMARY KEY,
    token varchar(255) UNIQUE,
    user_id varchar(255),
    revoked boolean,
    created_at timestamptz,
    updated_at timestamptz,
    parent varchar(255),
    session_id uuid REFERENCES auth.sessions (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS auth.mfa_factors (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    friendly_name text,
    factor_type text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    secret text,
    phone text,
    last_challenged_at timestamptz UNIQUE
);

CREATE TABLE IF NOT EXISTS auth.audit_log_entries (
    instance_id uuid,
    id uuid NOT NULL PRIMARY KEY,
    payload json,
    created_at timestamptz,
    ip_address varchar(64) NOT NULL DEFAULT ''
);

-- Realtime: the publication Supabase creates empty; migrations add their tables to it.
DO $realtime$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = 'supabase_realtime') THEN
        CREATE PUBLICATION supabase_realtime;
    END IF;
END
$realtime$;
