-- Migration: 012_add_admin_role
-- Description: Platform-level admin role for RevOS staff.
--   NOTE: ALTER TYPE ... ADD VALUE cannot be used in the transaction that
--   adds it, so nothing in this file refers to 'admin'.
-- Created: 2025-04-01

ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'admin';
