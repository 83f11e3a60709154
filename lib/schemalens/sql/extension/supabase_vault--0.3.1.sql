/* supabase_vault--0.3.1.sql: a schemalens STAND-IN for Supabase Vault 0.3.1, not its code.

   Schema vault with vault.secrets, the vault.decrypted_secrets view and create_secret() /
   update_secret() (same names and signatures). The throwaway database encrypts nothing: secret holds
   the text as given and decrypted_secret repeats it. */

\echo Use "CREATE EXTENSION supabase_vault" to load this file. \quit

DO $schema$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'vault') THEN
        CREATE SCHEMA vault;  -- a schema that exists already (created by a migration) is used as it is
    END IF;
END
$schema$;

CREATE TABLE vault.secrets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text,
    description text NOT NULL DEFAULT '',
    secret text NOT NULL,
    key_id uuid,
    nonce bytea,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets (name) WHERE name IS NOT NULL;

CREATE VIEW vault.decrypted_secrets AS
    SELECT id, name, description, secret, secret AS decrypted_secret, key_id, nonce, created_at, updated_at
    FROM vault.secrets;

CREATE FUNCTION vault.create_secret(new_secret text, new_name text DEFAULT NULL, new_description text DEFAULT '',
                                    new_key_id uuid DEFAULT NULL) RETURNS uuid
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    INSERT INTO vault.secrets (secret, name, description, key_id)
    VALUES (new_secret, new_name, coalesce(new_description, ''), new_key_id) RETURNING id
$$;

CREATE FUNCTION vault.update_secret(secret_id uuid, new_secret text DEFAULT NULL, new_name text DEFAULT NULL,
                                    new_description text DEFAULT NULL, new_key_id uuid DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    UPDATE vault.secrets SET secret = coalesce(new_secret, secret), name = coalesce(new_name, name),
                             description = coalesce(new_description, description),
                             key_id = coalesce(new_key_id, key_id), updated_at = CURRENT_TIMESTAMP
    WHERE id = secret_id
$$;
