-- A council workspace's committees are bodies too, so the governance map draws them (issue 10).
ALTER TABLE bodies DROP CONSTRAINT bodies_type_check;
ALTER TABLE bodies ADD CONSTRAINT bodies_type_check CHECK (type IN (
  'county strategy group', 'community safety partnership', 'board', 'sub-group', 'panel', 'task and finish group',
  'council', 'cabinet', 'overview and scrutiny board', 'overview and scrutiny committee', 'select committee', 'scrutiny panel'));
