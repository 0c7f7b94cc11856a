-- The rows that repeat a header (staged.sql's header_row), with their cells: Python tells a header with the
-- file's own column order from one with another order, whose rows below are read under the wrong columns.
SELECT file_idx, source_row, dossier_code, procedure_code, procedure_name, unit_key, channel, return_channel,
       status, received_at, due_at, finished_at, returned_at
FROM staged
WHERE header_row
ORDER BY file_idx, source_row
