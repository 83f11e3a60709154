/* pgsodium--3.1.8.sql: a schemalens STAND-IN for pgsodium 3.1.8, not its code.

   Schema pgsodium with its key table, its three roles and the signatures migrations call;
   randombytes_buf(), randombytes_random() and the key/nonce generators work (core random bytes);
   every encrypting or signing function raises "pgsodium stand-in: ... is not available". */

\echo Use "CREATE EXTENSION pgsodium" to load this file. \quit

DO $schema$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'pgsodium') THEN
        CREATE SCHEMA pgsodium;  -- a schema that exists already (created by a migration) is used as it is
    END IF;
END
$schema$;

DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pgsodium_keyiduser', 'pgsodium_keyholder', 'pgsodium_keymaker'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;

CREATE TYPE pgsodium.key_status AS ENUM ('default', 'valid', 'invalid', 'expired');
CREATE TYPE pgsodium.key_type AS ENUM ('aead-ietf', 'aead-det', 'hmacsha512', 'hmacsha256', 'auth', 'shorthash',
                                       'generichash', 'kdf', 'secretbox', 'secretstream', 'stream_xchacha20');

CREATE TABLE pgsodium.key (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status pgsodium.key_status DEFAULT 'valid',
    created timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires timestamptz,
    key_type pgsodium.key_type,
    key_id bigint,
    key_context bytea DEFAULT 'pgsodium',
    name text UNIQUE,
    associated_data text DEFAULT 'associated',
    raw_key bytea,
    raw_key_nonce bytea,
    parent_key uuid REFERENCES pgsodium.key (id),
    comment text,
    user_data text
);
CREATE VIEW pgsodium.valid_key AS
    SELECT id, name, status, key_type, key_id, key_context, created, expires, associated_data
    FROM pgsodium.key WHERE status IN ('valid', 'default') AND (expires IS NULL OR expires > now());

CREATE FUNCTION pgsodium.randombytes_buf(size integer) RETURNS bytea
LANGUAGE sql VOLATILE STRICT AS $$
    SELECT substring(string_agg(uuid_send(gen_random_uuid()), ''::bytea) FROM 1 FOR size)
    FROM generate_series(0, size / 16)
$$;
CREATE FUNCTION pgsodium.randombytes_random() RETURNS integer
LANGUAGE sql VOLATILE AS $$ SELECT get_byte(pgsodium.randombytes_buf(1), 0) * 16777216 / 2 $$;
CREATE FUNCTION pgsodium.crypto_secretbox_keygen() RETURNS bytea
LANGUAGE sql VOLATILE AS $$ SELECT pgsodium.randombytes_buf(32) $$;
CREATE FUNCTION pgsodium.crypto_secretbox_noncegen() RETURNS bytea
LANGUAGE sql VOLATILE AS $$ SELECT pgsodium.randombytes_buf(24) $$;
CREATE FUNCTION pgsodium.crypto_aead_det_noncegen() RETURNS bytea
LANGUAGE sql VOLATILE AS $$ SELECT pgsodium.randombytes_buf(16) $$;

CREATE FUNCTION pgsodium.create_key(key_type pgsodium.key_type DEFAULT 'aead-det', name text DEFAULT NULL,
                                    raw_key bytea DEFAULT NULL, raw_key_nonce bytea DEFAULT NULL,
                                    parent_key uuid DEFAULT NULL, key_context bytea DEFAULT 'pgsodium',
                                    expires timestamptz DEFAULT NULL, associated_data text DEFAULT '')
RETURNS pgsodium.valid_key
LANGUAGE sql VOLATILE AS $$
    WITH k AS (
        INSERT INTO pgsodium.key (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires,
                                  associated_data)
        VALUES (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
        RETURNING id
    )
    SELECT v.* FROM pgsodium.valid_key v, k WHERE v.id = k.id
$$;

CREATE FUNCTION pgsodium._unavailable(fn text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'pgsodium stand-in: %() is not available', fn USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid,
                                                 nonce bytea DEFAULT NULL) RETURNS bytea
LANGUAGE sql VOLATILE AS $$ SELECT pgsodium._unavailable('crypto_aead_det_encrypt') $$;
CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid,
                                                 nonce bytea DEFAULT NULL) RETURNS bytea
LANGUAGE sql VOLATILE AS $$ SELECT pgsodium._unavailable('crypto_aead_det_decrypt') $$;
