/* pg_cron--1.6.sql: a schemalens STAND-IN for pg_cron 1.6, not its code.

   Schema cron with pg_cron's tables and functions (same names and signatures): schedule() records the
   job in cron.job and returns its id, unschedule() removes it, alter_job() changes it, as pg_cron does;
   no background worker runs anything, so cron.job_run_details stays empty. */

\echo Use "CREATE EXTENSION pg_cron" to load this file. \quit

DO $schema$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'cron') THEN
        CREATE SCHEMA cron;  -- a schema that exists already (created by a migration) is used as it is
    END IF;
END
$schema$;

CREATE TABLE cron.job (
    jobid bigserial PRIMARY KEY,
    schedule text NOT NULL,
    command text NOT NULL,
    nodename text NOT NULL DEFAULT 'localhost',
    nodeport integer NOT NULL DEFAULT 5432,
    database text NOT NULL DEFAULT current_database(),
    username text NOT NULL DEFAULT current_user,
    active boolean NOT NULL DEFAULT true,
    jobname text,
    CONSTRAINT jobname_username_uniq UNIQUE (jobname, username)
);

CREATE TABLE cron.job_run_details (
    jobid bigint,
    runid bigserial PRIMARY KEY,
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
);

CREATE FUNCTION cron.schedule(schedule text, command text) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    INSERT INTO cron.job (schedule, command) VALUES (schedule, command) RETURNING jobid
$$;

CREATE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    INSERT INTO cron.job (jobname, schedule, command) VALUES (job_name, schedule, command)
    ON CONFLICT (jobname, username) DO UPDATE SET schedule = excluded.schedule, command = excluded.command
    RETURNING jobid
$$;

CREATE FUNCTION cron.schedule_in_database(job_name text, schedule text, command text, database text,
                                          username text DEFAULT NULL, active boolean DEFAULT true) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    INSERT INTO cron.job (jobname, schedule, command, database, username, active)
    VALUES (job_name, schedule, command, database, coalesce(username, current_user), active)
    RETURNING jobid
$$;

CREATE FUNCTION cron.unschedule(job_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    DELETE FROM cron.job WHERE jobid = job_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'could not find valid entry for job %', job_id;
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION cron.unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    DELETE FROM cron.job WHERE jobname = job_name AND username = current_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'could not find valid entry for job ''%''', job_name;
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION cron.alter_job(job_id bigint, schedule text DEFAULT NULL, command text DEFAULT NULL,
                               database text DEFAULT NULL, username text DEFAULT NULL,
                               active boolean DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE AS $$
    UPDATE cron.job SET schedule = coalesce(alter_job.schedule, job.schedule),
                        command = coalesce(alter_job.command, job.command),
                        database = coalesce(alter_job.database, job.database),
                        username = coalesce(alter_job.username, job.username),
                        active = coalesce(alter_job.active, job.active)
    WHERE jobid = job_id
$$;
