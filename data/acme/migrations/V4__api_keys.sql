-- Supabase Project: acmeprodref0000000000
-- V4__api_keys.sql
-- Personal API keys: each key belongs to the member who created it.

CREATE TABLE api_keys (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    label       text NOT NULL,
    key_hash    text NOT NULL UNIQUE,
    last_used_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE INDEX api_keys_member_id_idx ON api_keys (member_id);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;

CREATE POLICY api_keys_owner ON api_keys
    FOR ALL TO authenticated
    USING (member_id = auth.uid())
    WITH CHECK (member_id = auth.uid());
