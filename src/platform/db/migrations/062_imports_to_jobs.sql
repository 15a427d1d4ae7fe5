-- Open-data imports are jobs now (kinds import:police-uk and import:geography): copy the record of every import made
-- before into jobs, keeping its id (crime_coverage.import_id and links to /crime/imports/<id> keep pointing at it),
-- then drop data_imports, so that nothing reads two records. The import's own facts go to the job's progress
-- (files done of total, bytes, records saved) and result (each file's result, files imported and refused, the summary).
-- A row still 'running' belonged to a process that has ended (migrations run before the app starts): interrupted.
-- New jobs are numbered after the imports copied in. (Only if jobs were made before this migration and one took an
-- import's id, which a normal upgrade cannot do as the jobs table is new, that import gets a new id after them all.)
SELECT setval(pg_get_serial_sequence('jobs', 'id'), greatest((SELECT coalesce(max(id), 0) FROM jobs), (SELECT coalesce(max(id), 0) FROM data_imports)) + 1, false);

INSERT INTO jobs (id, kind, title, status, exclusive, params, progress, result, error, attempts, max_attempts, run_after, source,
  started_by, started_by_name, host, pid, created_at, started_at, updated_at, finished_at)
SELECT CASE WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.id = d.id) THEN nextval(pg_get_serial_sequence('jobs', 'id')) ELSE d.id END,
  'import:' || d.dataset,
  CASE d.dataset WHEN 'police-uk' THEN 'police.uk import' ELSE 'ONS geography import' END,
  CASE d.status WHEN 'finished' THEN 'done' WHEN 'running' THEN 'interrupted' ELSE d.status END,
  true, '{}'::jsonb,
  jsonb_build_object('done', d.files_done, 'total', d.files_total, 'unit', 'files', 'bytesDone', d.bytes_done, 'bytesTotal', d.bytes_total,
    'rowsKept', d.rows_kept, 'currentFile', d.current_file),
  CASE WHEN d.status IN ('running', 'interrupted') THEN NULL ELSE jsonb_build_object('results', d.results, 'rowsKept', d.rows_kept, 'filesImported', d.files_imported,
    'filesRefused', d.files_refused, 'message', d.message) END,
  CASE WHEN d.status = 'failed' THEN d.message
    WHEN d.status IN ('interrupted', 'running') THEN coalesce(d.message, 'The import stopped before it finished (its process ended).') END,
  1, 1, d.started_at, d.source, d.started_by, d.started_by_name, d.host, d.pid, d.started_at, d.started_at, d.updated_at,
  CASE WHEN d.status = 'running' THEN d.updated_at ELSE d.finished_at END
FROM data_imports d
ORDER BY d.id;

-- CASCADE also drops crime_coverage's foreign key to data_imports (import_id keeps the job's id, with no constraint:
-- the crime capability checks an import exists through the jobs service before linking to it).
DROP TABLE data_imports CASCADE;
