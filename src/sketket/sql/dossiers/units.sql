-- Per unit: the counts of the dossiers received in the period (rules 1–7). The tables' notions (rule 6):
-- on_time = on_time + pending_on_time, overdue = overdue + pending_overdue; the pending_* columns say how
-- many of those are still being processed at the cutoff. Tier and city rows and rates are added in Python.
SELECT
  unit_code, unit_name, tier,
  COUNT(*) AS received,
  SUM(CASE WHEN outcome IN ('on_time', 'pending_on_time') THEN 1 ELSE 0 END) AS on_time,
  SUM(CASE WHEN outcome IN ('overdue', 'pending_overdue') THEN 1 ELSE 0 END) AS overdue,
  SUM(CASE WHEN outcome = 'pending_on_time' THEN 1 ELSE 0 END) AS pending_on_time,
  SUM(CASE WHEN outcome = 'pending_overdue' THEN 1 ELSE 0 END) AS pending_overdue,
  SUM(CASE WHEN outcome = 'awaiting_applicant' THEN 1 ELSE 0 END) AS awaiting_applicant,
  SUM(CASE WHEN outcome = 'withdrawn' THEN 1 ELSE 0 END) AS withdrawn,
  SUM(CASE WHEN outcome = 'no_deadline' THEN 1 ELSE 0 END) AS no_deadline,
  SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END) AS online_received,
  SUM(CASE WHEN channel = 'postal' THEN 1 ELSE 0 END) AS postal_received,
  SUM(CASE WHEN return_channel = 'postal' THEN 1 ELSE 0 END) AS postal_returned,
  SUM(CASE WHEN saturday_received THEN 1 ELSE 0 END) AS saturday_received,
  SUM(CASE WHEN saturday_same_morning THEN 1 ELSE 0 END) AS saturday_same_morning
FROM dossiers
WHERE outcome NOT IN ('excluded', 'out_of_period')
GROUP BY unit_code, unit_name, tier
