-- Per export: rows read, counted (received in the period, not a duplicate, of a known unit) and excluded.
SELECT source_file,
       COUNT(*) AS rows_read,
       SUM(CASE WHEN outcome NOT IN ('excluded', 'out_of_period') THEN 1 ELSE 0 END) AS rows_counted
FROM dossiers
GROUP BY source_file
