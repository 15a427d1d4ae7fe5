-- Workspaces are of two kinds: a partnership (a county strategy group, a CSP) or a council (its democratic services:
-- committees, meetings, scrutiny). Both have the same address, publication, roles and audit trail (issue 10).
ALTER TABLE partnerships ADD COLUMN kind text NOT NULL DEFAULT 'partnership' CHECK (kind IN ('partnership', 'council'));
