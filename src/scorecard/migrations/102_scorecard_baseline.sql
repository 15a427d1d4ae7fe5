-- The baseline year a partnership compares each indicator with (a financial year, '2017/18'): each period is also
-- compared with the same months of that year. Null: no baseline.
ALTER TABLE scorecard_indicators ADD COLUMN baseline text CHECK (baseline ~ '^\d{4}/\d{2}$');
