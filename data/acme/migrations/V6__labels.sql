-- V6__labels.sql
-- Workspace labels and the task <-> label join table.

CREATE TABLE labels (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE task_labels (
    task_id  uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id uuid NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);

CREATE INDEX task_labels_label_id_idx ON task_labels (label_id);

ALTER TABLE labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_labels ENABLE ROW LEVEL SECURITY;

CREATE POLICY labels_all ON labels
    FOR ALL TO authenticated
    USING (workspace_id = current_workspace_id())
    WITH CHECK (workspace_id = current_workspace_id());

CREATE POLICY task_labels_all ON task_labels
    FOR ALL TO authenticated
    USING (label_id IN (SELECT id FROM labels WHERE workspace_id = current_workspace_id()));
