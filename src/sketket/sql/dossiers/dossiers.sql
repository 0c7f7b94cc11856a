-- One row per dossier read: parsed dates, the unit, the deadline and the outcome (DESIGN.md, "Dossier logs",
-- rules 1–7), and the row's issues (the findings' rule ids, comma-separated).
-- Relations: staged (the exports read once, dates parsed: staged.sql; a date's text only where it was not read),
-- units_map, values_map, procs_map (their columns also as lists, for pick), calendar, workdays, duplicates, the
-- files' names as a list (see sketket.analysis.dossier_counts).
-- Parameters: {period_start}, {cutoff} (day numbers), {saturday_hour}.
WITH lookups AS ( -- what the small tables say of each row, as their row numbers (idx) and a few numbers: every
                 -- join is on a unique key, one row per row read (kept narrow: DuckDB sorts it, Dialect.beside)
  SELECT r.file_idx, r.source_row,
         u.idx AS unit_idx, ch.idx AS channel_idx, rc.idx AS return_idx, st.idx AS status_idx, p.idx AS proc_idx,
         -- rule 5: no due date, the N-th working day after receipt from the procedures table
         CASE WHEN p.limit_days = 0 THEN r.r_dn ELSE w.dn END AS limit_due,
         p.limit_days IS NOT NULL AS has_limit,
         d.source_row IS NOT NULL AS repeated
  FROM staged r
  LEFT JOIN units_map u ON u.unit_key = r.unit_key
  LEFT JOIN values_map ch ON ch.field = 'channel' AND ch.raw_value = r.channel
  LEFT JOIN values_map rc ON rc.field = 'return_channel' AND rc.raw_value = r.return_channel
  LEFT JOIN values_map st ON st.field = 'status' AND st.raw_value = r.status
  LEFT JOIN procs_map p ON p.procedure_code = r.procedure_code AND p.procedure_name = r.procedure_name
  -- the working-day index of the day of receipt, + N (plain equality joins: hash joins on both engines)
  LEFT JOIN calendar c ON c.dn = r.r_dn
  LEFT JOIN workdays w ON w.wd_index = c.wd_index + p.limit_days
  -- a dossier code met twice in one unit is counted once: the first row read (duplicates.sql)
  LEFT JOIN duplicates d ON d.file_idx = r.file_idx AND d.source_row = r.source_row
),
side AS ( -- each row beside its lookups, in the files' order (Dialect.beside)
  SELECT r.*, l.unit_idx, l.channel_idx, l.return_idx, l.status_idx, l.proc_idx, l.limit_due, l.has_limit,
         l.repeated
  FROM {{beside staged r lookups l}}
),
seq AS ( -- the small tables' values picked by row number
  SELECT side.*,
         {{pick files.source_file (file_idx+1)}} AS source_file,
         coalesce({{pick units_map.unit_code unit_idx}}, '') AS unit_code,
         coalesce({{pick units_map.unit_name unit_idx}}, unit_key) AS unit_label,
         coalesce({{pick units_map.tier unit_idx}}, '') AS tier,
         coalesce({{pick values_map.value channel_idx}}, '') AS channel_value,
         coalesce({{pick values_map.value return_idx}}, '') AS return_value,
         coalesce({{pick values_map.value status_idx}}, '') AS status_value,
         coalesce({{pick procs_map.proc_code proc_idx}}, procedure_code) AS proc_code,
         coalesce({{pick procs_map.proc_name proc_idx}}, procedure_name) AS proc_name,
         coalesce(u_dn, limit_due) AS due_dn,
         u_dn IS NULL AND has_limit AS due_computed,
         -- a code met again in the same known unit (units_map holds the known units only)
         CASE WHEN repeated AND unit_idx IS NOT NULL THEN 2 ELSE 1 END AS occurrence,
         coalesce(f_dn, t_dn) AS end_any
  FROM side
),
o AS (
  SELECT seq.*,
         CASE WHEN end_any IS NOT NULL AND end_any <= {cutoff} THEN end_any END AS end_dn,
         CASE
           WHEN unit_code = '' THEN 'excluded'
           WHEN r_dn IS NULL THEN 'excluded'
           WHEN occurrence > 1 THEN 'excluded'
           WHEN r_dn < {period_start} OR r_dn > {cutoff} THEN 'out_of_period'
           WHEN end_any IS NOT NULL AND end_any <= {cutoff} THEN
             CASE WHEN due_dn IS NULL THEN 'no_deadline' WHEN end_any <= due_dn THEN 'on_time' ELSE 'overdue' END
           WHEN status_value = 'awaiting_applicant' THEN 'awaiting_applicant'
           WHEN status_value = 'withdrawn' THEN 'withdrawn'
           WHEN due_dn IS NULL THEN 'no_deadline'
           WHEN due_dn >= {cutoff} THEN 'pending_on_time'
           ELSE 'pending_overdue'
         END AS outcome
  FROM seq
)
SELECT
  dossier_code, proc_code AS procedure_code, proc_name AS procedure_name, unit_label AS unit_name,
  channel_value AS channel,
  CASE WHEN r_dn IS NULL THEN received_at WHEN r_min IS NULL THEN {{date_text r_dn}} ELSE {{datetime_text r_dn r_min}} END AS received_at,
  CASE WHEN due_dn IS NULL THEN due_at ELSE {{date_text due_dn}} END AS due_at,
  CASE WHEN f_dn IS NULL THEN finished_at WHEN f_min IS NULL THEN {{date_text f_dn}} ELSE {{datetime_text f_dn f_min}} END AS finished_at,
  CASE WHEN t_dn IS NULL THEN returned_at WHEN t_min IS NULL THEN {{date_text t_dn}} ELSE {{datetime_text t_dn t_min}} END AS returned_at,
  return_value AS return_channel,
  status,
  unit_code, tier, outcome, source_file, source_row,
  due_computed,
  r_dn IS NOT NULL AND ((r_dn % 7) + 7) % 7 = 2 AS saturday_received,
  coalesce(((r_dn % 7) + 7) % 7 = 2 AND t_dn = r_dn AND t_min < {saturday_hour} * 60, false) AS saturday_same_morning,
  concat_ws(',',
    CASE WHEN received_at = '' THEN 'received_missing' END,
    CASE WHEN received_at <> '' AND r_dn IS NULL THEN 'received_unreadable' END,
    CASE WHEN due_at <> '' AND u_dn IS NULL THEN 'due_unreadable' END,
    CASE WHEN finished_at <> '' AND f_dn IS NULL THEN 'finished_unreadable' END,
    CASE WHEN returned_at <> '' AND t_dn IS NULL THEN 'returned_unreadable' END,
    CASE WHEN coalesce(f_dn, t_dn) < r_dn THEN 'finished_before_received' END,
    CASE WHEN u_dn < r_dn THEN 'due_before_received' END,
    CASE WHEN occurrence > 1 THEN 'duplicate_code' END,
    CASE WHEN dossier_code = '' AND unit_code <> '' THEN 'code_missing' END,
    CASE WHEN end_any > {cutoff} AND status_value = 'done' AND r_dn <= {cutoff} THEN 'done_after_cutoff' END
  ) AS issues,
  file_idx  -- the files' order, for sorting the output (not written)
FROM o
