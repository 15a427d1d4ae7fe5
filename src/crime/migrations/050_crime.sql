-- What police.uk data is loaded: one row per kind x force x month, copied from the crime store's own record
-- (crime.partitions in DuckDB, written in the same transaction as the data). Missing rows are gaps, never zeros.
CREATE TABLE crime_coverage (
  kind text NOT NULL CHECK (kind IN ('street', 'outcomes', 'stop-and-search')),
  force text NOT NULL,
  month date NOT NULL,
  rows_kept integer NOT NULL,
  rows_rejected integer NOT NULL,
  duplicates integer NOT NULL,
  no_location integer NOT NULL,
  unknown_types integer NOT NULL,
  unknown_outcomes integer NOT NULL,
  source_file text NOT NULL,
  sha256 text NOT NULL,
  imported_at timestamptz NOT NULL,
  imported_by text NOT NULL,
  import_id integer REFERENCES data_imports(id) ON DELETE SET NULL,
  PRIMARY KEY (kind, force, month)
);
