-- Migration: 001_initial_schema
-- Description: Core multi-tenant schema for RevOS.
--   agencies own clients; users belong to a client (not directly to an agency).
--   users.id is generated here and must be kept equal to auth.users.id by the
--   application at sign-up time (there is no FK and no sync trigger).
-- Created: 2025-03-02

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

-- Roles a RevOS user can hold inside an agency or client workspace
CREATE TYPE user_role AS ENUM (
  'agency_owner',
  'agency_admin',
  'client_admin',
  'team_member'
);

-- Agencies: the top-level tenant (one per paying agency)
CREATE TABLE agencies (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  name TEXT NOT NULL,
  slug TEXT UNIQUE NOT NULL,
  settings JSONB DEFAULT '{}',
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- Clients: the agency's customers; every workspace object hangs off a client
CREATE TABLE clients (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  agency_id UUID REFERENCES agencies(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  website TEXT,
  industry TEXT,
  settings JSONB DEFAULT '{}',
  is_active BOOLEAN DEFAULT true,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- Users: application profile rows, scoped to a client
CREATE TABLE users (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),  -- NOT a FK!
  client_id UUID REFERENCES clients(id) ON DELETE CASCADE,
  email TEXT UNIQUE NOT NULL,
  full_name TEXT,
  role user_role DEFAULT 'team_member',
  permissions JSONB DEFAULT '[]',
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- Foreign-key lookups
CREATE INDEX idx_clients_agency_id ON clients(agency_id);
CREATE INDEX idx_users_client_id ON users(client_id);
CREATE INDEX idx_users_role ON users(role);
