-- V7__task_priority.sql
-- Priorities on tasks; "done" becomes a completion timestamp.

ALTER TABLE tasks ADD COLUMN priority smallint NOT NULL DEFAULT 3
    CHECK (priority BETWEEN 1 AND 5);
ALTER TABLE tasks RENAME COLUMN done TO is_done;
ALTER TABLE tasks ADD COLUMN completed_at timestamptz;

CREATE INDEX tasks_project_id_priority_idx ON tasks (project_id, priority);
