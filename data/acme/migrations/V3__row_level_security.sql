-- V3__row_level_security.sql
-- Members see their own workspace, its organisation, and its projects/tasks.

ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;

CREATE POLICY members_select_self ON members
    FOR SELECT TO authenticated
    USING (id = auth.uid());

CREATE POLICY workspaces_select ON workspaces
    FOR SELECT TO authenticated
    USING (id IN (SELECT workspace_id FROM members WHERE id = auth.uid()));

CREATE POLICY organisations_select ON organisations
    FOR SELECT TO authenticated
    USING (id IN (
        SELECT w.organisation_id
        FROM workspaces w
        JOIN members m ON m.workspace_id = w.id
        WHERE m.id = auth.uid()
    ));

CREATE POLICY projects_all ON projects
    FOR ALL TO authenticated
    USING (workspace_id IN (SELECT workspace_id FROM members WHERE id = auth.uid()))
    WITH CHECK (workspace_id IN (SELECT workspace_id FROM members WHERE id = auth.uid()));

CREATE POLICY tasks_all ON tasks
    FOR ALL TO authenticated
    USING (project_id IN (
        SELECT p.id FROM projects p
        WHERE p.workspace_id IN (SELECT workspace_id FROM members WHERE id = auth.uid())
    ));
