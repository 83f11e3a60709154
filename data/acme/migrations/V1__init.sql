-- V1__init.sql
-- Acme Tasks: tenancy tables.
--   organisations own workspaces; a member belongs to one workspace and is
--   keyed by the Supabase auth user (members.id -> auth.users.id).

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE organisations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    billing_email text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
    id           uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    display_name text,
    is_admin     boolean NOT NULL DEFAULT false,
    joined_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX workspaces_organisation_id_idx ON workspaces (organisation_id);
CREATE INDEX members_workspace_id_idx ON members (workspace_id);
