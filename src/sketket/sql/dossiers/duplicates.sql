-- The rows whose dossier code is met again in the same unit: one row of each code is counted, the first read
-- among those that record an end by the cutoff (two exports overlapping in time — a month's and the next — show
-- the same dossier pending in the older and finished in the newer: its end is the later state), else the first
-- read. Only rows
-- received in the period claim a code: a row without a readable date of receipt, or received outside the period,
-- is not counted anyway, and must not make the row that can be counted a duplicate. A narrow
-- aggregation on a hash of (unit, code) first finds the few keys met more than once; only their rows are then
-- compared exactly and numbered in the files' order (no window, no sort over every row).
-- Parameters: {period_start}, {cutoff} (day numbers), {other_header} (rows read under the wrong columns claim no
-- code either).
WITH keyed AS (
  SELECT s.file_idx, s.source_row, coalesce(u.unit_code, s.unit_key) AS unit_id, s.dossier_code,
         CASE WHEN coalesce(s.f_dn, s.t_dn) <= {cutoff} THEN 0 ELSE 1 END AS not_ended
  FROM staged s LEFT JOIN unit_lookup u ON u.lk_key = s.unit_key
  WHERE s.dossier_code <> '' AND s.r_dn BETWEEN {period_start} AND {cutoff} AND NOT {other_header}
),
twice AS (
  SELECT {{hash unit_id dossier_code}} AS h FROM keyed GROUP BY {{hash unit_id dossier_code}} HAVING COUNT(*) > 1
)
SELECT file_idx, source_row
FROM (
  SELECT k.file_idx, k.source_row,
         ROW_NUMBER() OVER (PARTITION BY k.unit_id, k.dossier_code
                            ORDER BY k.not_ended, k.file_idx, k.source_row) AS occurrence
  FROM keyed k JOIN twice t ON t.h = {{hash k.unit_id k.dossier_code}}
) o
WHERE occurrence > 1
