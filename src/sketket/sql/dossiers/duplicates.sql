-- The rows whose dossier code was already met in the same unit (the first row read is counted): a narrow
-- pass of its own, so that the main query needs no window over whole rows.
SELECT file_idx, source_row
FROM (
  SELECT r.file_idx, r.source_row,
         ROW_NUMBER() OVER (PARTITION BY coalesce(u.unit_code, r.unit_key), r.dossier_code
                            ORDER BY r.file_idx, r.source_row) AS occurrence
  FROM raw r LEFT JOIN units_map u ON u.unit_key = r.unit_key
  WHERE r.dossier_code <> ''
) o
WHERE occurrence > 1
