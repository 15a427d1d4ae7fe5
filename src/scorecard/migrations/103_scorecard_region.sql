-- The region as a comparator for a statistical RAG rating: the indicator names its benchmark region (an ONS region
-- code, E12000001 to E12000009, or W92000004 for Wales) and is compared with that area's figure for the same period.
ALTER TABLE scorecard_indicators ADD COLUMN benchmark_area text;
ALTER TABLE scorecard_indicators DROP CONSTRAINT scorecard_indicators_comparator_check;
ALTER TABLE scorecard_indicators ADD CONSTRAINT scorecard_indicators_comparator_check
  CHECK (comparator IN ('last-year', 'england-and-wales', 'peers', 'region'));
