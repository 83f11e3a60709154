-- V5__audit_log.sql
-- Append-only audit trail, written by a backend worker with the service role.

CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid REFERENCES organisations (id) ON DELETE SET NULL,
    actor_id        uuid,
    action          text NOT NULL,
    target          jsonb NOT NULL DEFAULT '{}'::jsonb,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_organisation_id_at_idx ON audit_log (organisation_id, at DESC);

COMMENT ON TABLE audit_log IS 'Append-only; written by the audit worker.';
GRANT SELECT, INSERT ON audit_log TO service_role;
