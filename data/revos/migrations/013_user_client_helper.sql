-- Migration: 013_user_client_helper
-- Description: SECURITY DEFINER helper returning the caller's client_id.
--   A policy on users that sub-selects users recurses forever
--   ("infinite recursion detected in policy for relation users"); the helper
--   bypasses RLS on users, so teammates can now see each other.
-- Created: 2025-04-03

CREATE OR REPLACE FUNCTION get_user_client_id()
RETURNS uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = public
AS $$
  SELECT client_id FROM users WHERE id = auth.uid()
$$;

REVOKE EXECUTE ON FUNCTION get_user_client_id() FROM anon;
GRANT EXECUTE ON FUNCTION get_user_client_id() TO authenticated;

CREATE POLICY "Users can view teammates"
  ON users FOR SELECT
  USING (client_id = get_user_client_id());

-- Pod members may see the LinkedIn accounts of their teammates
CREATE POLICY "Users can view client linkedin accounts"
  ON linkedin_accounts FOR SELECT
  USING (user_id IN (SELECT id FROM users WHERE client_id = get_user_client_id()));
