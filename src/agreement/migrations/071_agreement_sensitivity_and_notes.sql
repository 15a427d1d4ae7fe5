-- Sensitivity of strategic assessments and their files (issue 8): public, partners only (the default: members of
-- the partnership) or restricted to named roles (police-derived assessments are often OFFICIAL-SENSITIVE). It
-- replaces the assessment's published flag: a published assessment becomes public. Files already attached become
-- partners only, whatever their assessment: a file is public only when someone marks it public.
-- restricted_to lists the partnership roles that may see a restricted record (administrators always may).

ALTER TABLE strategic_assessments ADD COLUMN sensitivity text NOT NULL DEFAULT 'partners' CHECK (sensitivity IN ('public', 'partners', 'restricted'));
ALTER TABLE strategic_assessments ADD COLUMN restricted_to text[] NOT NULL DEFAULT '{}';
UPDATE strategic_assessments SET sensitivity = 'public' WHERE published;
ALTER TABLE strategic_assessments DROP COLUMN published;

ALTER TABLE strategic_assessment_attachments ADD COLUMN sensitivity text NOT NULL DEFAULT 'partners' CHECK (sensitivity IN ('public', 'partners', 'restricted'));
ALTER TABLE strategic_assessment_attachments ADD COLUMN restricted_to text[] NOT NULL DEFAULT '{}';

-- A priority's editorial note ("Priority 1 in the October 2019 draft, unchanged"), kept apart from its text so the
-- comparison of versions calls a priority reworded only when its text changed.
ALTER TABLE priorities ADD COLUMN note text;
