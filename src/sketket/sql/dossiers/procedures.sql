-- Per unit and procedure: received, on time and overdue in the tables' notions (rule 6), received online.
-- The city's rows (all units together) are the sums, added in Python.
SELECT
  unit_code, procedure_code, procedure_name,
  COUNT(*) AS received,
  SUM(CASE WHEN outcome IN ('on_time', 'pending_on_time') THEN 1 ELSE 0 END) AS on_time,
  SUM(CASE WHEN outcome IN ('overdue', 'pending_overdue') THEN 1 ELSE 0 END) AS overdue,
  SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END) AS online_received
FROM dossiers
WHERE outcome NOT IN ('excluded', 'out_of_period')
GROUP BY unit_code, procedure_code, procedure_name
