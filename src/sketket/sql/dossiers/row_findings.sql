-- The rows with an issue of their own (unreadable or impossible dates, duplicates, …); messages in Python. The
-- rows read under a header in another order, and the rows done without an end, have one finding per file
-- (group_findings.sql).
SELECT source_file, source_row, dossier_code, procedure_code, procedure_name, procedure_name_written, unit_name,
       issues, outcome,
       received_at, due_at, finished_at, returned_at, status
FROM dossiers
WHERE issues NOT IN ('', 'under_other_header', 'done_without_end')
