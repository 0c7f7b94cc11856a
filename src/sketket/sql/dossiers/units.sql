-- Per unit: the counts of the dossiers received in the period (rules 1–7). The tables' notions (rule 6):
-- on_time = on_time + pending_on_time, overdue = overdue + pending_overdue; the pending_* columns say how
-- many of those are still being processed at the cutoff. Tier and city rows and rates are added in Python.
-- Then what the unit's log holds besides, so that an inspector can tell whether it covers the period: its
-- dossier rows (log_rows = received + out_of_period + duplicate_rows + unreadable_rows), and the first and
-- last day of receipt in the period it records. Every unit with a row in a log has a row here, even with nothing received
-- in the period (a log of another year, of unreadable dates): its table is then reconciled against 0.
SELECT
  unit_code, unit_name, tier,
  SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS received,
  SUM(CASE WHEN counted AND outcome IN ('on_time', 'pending_on_time') THEN 1 ELSE 0 END) AS on_time,
  SUM(CASE WHEN counted AND outcome IN ('overdue', 'pending_overdue') THEN 1 ELSE 0 END) AS overdue,
  SUM(CASE WHEN outcome = 'pending_on_time' THEN 1 ELSE 0 END) AS pending_on_time,
  SUM(CASE WHEN outcome = 'pending_overdue' THEN 1 ELSE 0 END) AS pending_overdue,
  SUM(CASE WHEN outcome = 'awaiting_applicant' THEN 1 ELSE 0 END) AS awaiting_applicant,
  SUM(CASE WHEN outcome = 'withdrawn' THEN 1 ELSE 0 END) AS withdrawn,
  SUM(CASE WHEN outcome = 'no_deadline' THEN 1 ELSE 0 END) AS no_deadline,
  SUM(CASE WHEN counted AND channel = 'online' THEN 1 ELSE 0 END) AS online_received,
  SUM(CASE WHEN counted AND channel = 'postal' THEN 1 ELSE 0 END) AS postal_received,
  SUM(CASE WHEN counted AND return_channel = 'postal' THEN 1 ELSE 0 END) AS postal_returned,
  SUM(CASE WHEN counted AND saturday_received THEN 1 ELSE 0 END) AS saturday_received,
  SUM(CASE WHEN counted AND saturday_same_morning THEN 1 ELSE 0 END) AS saturday_same_morning,
  COUNT(*) AS log_rows,
  SUM(CASE WHEN outcome = 'out_of_period' THEN 1 ELSE 0 END) AS out_of_period,
  SUM(CASE WHEN duplicate THEN 1 ELSE 0 END) AS duplicate_rows,
  SUM(CASE WHEN outcome = 'excluded' AND NOT duplicate THEN 1 ELSE 0 END) AS unreadable_rows,
  -- a readable date of receipt is ISO text (dossiers.sql), so the least is the earliest; its day (the first ten
  -- characters) is cut in Python, once per unit, not once per row
  MIN(CASE WHEN readable THEN received_at END) AS first_received,
  MAX(CASE WHEN readable THEN received_at END) AS last_received
FROM (
  SELECT dossiers.*,
         outcome NOT IN ('excluded', 'out_of_period') AS counted,
         outcome = 'excluded' AND issues LIKE '%duplicate_code%' AS duplicate,
         -- counted (received in the period, the copy of a code that counts): a year mistyped far outside the
         -- period says nothing of the days the log covers
         outcome NOT IN ('excluded', 'out_of_period') AS readable
  FROM dossiers
  -- rows that are no dossier (a blank line, the header again, a printed log's total) are in no unit's log
  WHERE unit_code <> '' AND issues NOT IN ('empty_row', 'header_row', 'footer_row')
) AS rows_of_units
GROUP BY unit_code, unit_name, tier
