-- Action plans: an item may link to the partnership's scorecard indicators (stored ones: local indicators and the
-- built-ins the partnership took onto its scorecard). The item's page shows each one's latest value and RAG through
-- the scorecard service. An indicator removed from the scorecard loses its links; the items stay.
CREATE TABLE plan_item_indicators (
  plan_item_id integer NOT NULL REFERENCES plan_items(id) ON DELETE CASCADE,
  indicator_id integer NOT NULL REFERENCES scorecard_indicators(id) ON DELETE CASCADE,
  PRIMARY KEY (plan_item_id, indicator_id)
);
CREATE INDEX plan_item_indicators_indicator ON plan_item_indicators (indicator_id);
