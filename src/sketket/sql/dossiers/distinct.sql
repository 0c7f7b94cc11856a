-- The distinct values that Python maps once (unit names to the registry, channels and statuses to their
-- canonical values, procedures to their time limits), in one pass over the exports read once (staged.sql).
-- Per file, so that a file holding more distinct values than an export can (limits.distinct_per_file in
-- dossiers.yml) is found before its values become lookup tables.
SELECT file_idx, unit_key, channel, return_channel, status, procedure_code, procedure_name,
       GROUPING(unit_key) AS g_unit, GROUPING(channel) AS g_channel, GROUPING(return_channel) AS g_return,
       GROUPING(status) AS g_status, GROUPING(procedure_name) AS g_proc,
       COUNT(*) AS n_rows  -- a code's name is the one most of its rows are written with
FROM staged
GROUP BY GROUPING SETS ((file_idx, unit_key), (file_idx, channel), (file_idx, return_channel), (file_idx, status),
                       (file_idx, procedure_code, procedure_name))
