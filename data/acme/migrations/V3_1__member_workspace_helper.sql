-- V3_1__member_workspace_helper.sql
-- Hotfix: let members see their workspace colleagues without a recursive
-- policy on members.

CREATE OR REPLACE FUNCTION current_workspace_id()
RETURNS uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = public
AS $$
    SELECT workspace_id FROM members WHERE id = auth.uid()
$$;

CREATE POLICY members_select_colleagues ON members
    FOR SELECT TO authenticated
    USING (workspace_id = current_workspace_id());
