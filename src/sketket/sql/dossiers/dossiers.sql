-- One row per dossier read: parsed dates, the unit, the deadline and the outcome (DESIGN.md, "Dossier logs",
-- rules 1–7), and the row's issues (the findings' rule ids, comma-separated).
-- Relations: staged (the exports read once, dates parsed: staged.sql; a date's text only where it was not read)
-- and the small lookup tables, each row's place in them found by the `position` fragment and their values taken
-- by `pick`: unit_lookup, channel_lookup, return_lookup, status_lookup (by the text as written), code_lookup,
-- name_lookup (by procedure code, by procedure name), calendar (by day), workdays (by working-day index), files
-- (by file); and the repeated dossier codes (`repeated`, duplicates.sql). The fragments are Dialect's, in
-- sketket.analysis.dossier_counts: no join, so that the rows keep the files' order on every core.
-- Parameters: {period_start}, {cutoff}, {calendar_start} (day numbers), {saturday_hour}, {other_header} (a row
-- read under a header repeated with its columns in another order: dossier_counts._under_condition).
WITH k AS ( -- each row's place in the lookups
  SELECT r.*,
         {{position unit_lookup r.unit_key}} AS unit_pos,
         {{position channel_lookup r.channel}} AS channel_pos,
         {{position return_lookup r.return_channel}} AS return_pos,
         {{position status_lookup r.status}} AS status_pos,
         {{position code_lookup r.procedure_code}} AS code_pos,
         {{position name_lookup r.procedure_name}} AS name_pos,
         -- the working-day index of the day of receipt (rule 5)
         {{pick calendar.wd_index r.r_dn - ({calendar_start}) + 1}} AS r_wd,
         -- a dossier code met twice in one unit is counted once: the first row read (duplicates.sql)
         {{repeated duplicates r}} AS repeated
  FROM staged r
),
seq AS ( -- the lookups' values
  SELECT k.*,
         {{pick files.source_file k.file_idx+1}} AS source_file,
         coalesce({{pick unit_lookup.unit_code k.unit_pos}}, '') AS unit_code,
         coalesce({{pick unit_lookup.unit_name k.unit_pos}}, k.unit_key) AS unit_label,
         coalesce({{pick unit_lookup.tier k.unit_pos}}, '') AS tier,
         coalesce({{pick channel_lookup.value k.channel_pos}}, '') AS channel_value,
         coalesce({{pick return_lookup.value k.return_pos}}, '') AS return_value,
         coalesce({{pick status_lookup.value k.status_pos}}, '') AS status_value,
         -- without a code, the code whose name this is (the only one in the logs), else none
         CASE WHEN k.procedure_code = '' THEN coalesce({{pick name_lookup.proc_code k.name_pos}}, '')
              ELSE k.procedure_code END AS proc_code,
         -- one spelling per procedure (by code, else by folded name: the first name seen in sorted order)
         coalesce({{pick code_lookup.proc_name k.code_pos}}, {{pick name_lookup.proc_name k.name_pos}},
                  k.procedure_name) AS proc_name,
         -- the time limit in working days: by code, else by name (the procedures table)
         coalesce({{pick code_lookup.limit_days k.code_pos}}, {{pick name_lookup.limit_days k.name_pos}}) AS limit_days,
         -- a name other than its code's (folded): the row keeps it as written
         {{pick code_lookup.name_id k.code_pos}} <> {{pick name_lookup.name_id k.name_pos}} AS other_name
  FROM k
),
due AS (
  SELECT seq.*,
         -- rule 5: no due date, the N-th working day after receipt
         CASE WHEN seq.limit_days = 0 THEN seq.r_dn
              ELSE {{pick workdays.dn seq.r_wd+seq.limit_days}} END AS limit_due
  FROM seq
),
ends AS (
  SELECT due.*,
         coalesce(u_dn, limit_due) AS due_dn,
         u_dn IS NULL AND limit_days IS NOT NULL AS due_computed,
         -- a code met again in the same known unit (the lookup's unit_code is set for known units only)
         CASE WHEN repeated AND unit_code <> '' THEN 2 ELSE 1 END AS occurrence,
         coalesce(f_dn, t_dn) AS end_any
  FROM due
),
o AS (
  SELECT ends.*,
         CASE
           WHEN no_data OR header_row OR footer_row OR {other_header} THEN 'excluded'
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
         END AS outcome,
         -- the row's issues (rules of the findings), each true, false or NULL
         no_data AS i_empty_row,
         received_at = '' AS i_received_missing,
         received_at <> '' AND r_dn IS NULL AS i_received_unreadable,
         due_at <> '' AND u_dn IS NULL AS i_due_unreadable,
         finished_at <> '' AND f_dn IS NULL AS i_finished_unreadable,
         returned_at <> '' AND t_dn IS NULL AS i_returned_unreadable,
         coalesce(f_dn, t_dn) < r_dn AS i_finished_before_received,
         u_dn < r_dn AS i_due_before_received,
         occurrence > 1 AS i_duplicate_code,
         -- only where the row is counted (an excluded row has its own finding)
         dossier_code = '' AND unit_code <> '' AND r_dn BETWEEN {period_start} AND {cutoff} AS i_code_missing,
         end_any > {cutoff} AND status_value = 'done' AND r_dn <= {cutoff} AS i_done_after_cutoff,
         -- said of a counted row: its status says done, yet no date of finishing or return is written (one
         -- finding per file, group_findings.sql)
         status_value = 'done' AND {{blank finished_at}} AND {{blank returned_at}} AND unit_code <> ''
           AND occurrence = 1 AND r_dn BETWEEN {period_start} AND {cutoff} AS i_done_without_end,
         -- the procedure's name as written when it spans lines or is not its code's name (the row takes the
         -- procedure's one spelling)
         CASE WHEN instr(procedure_name, chr(10)) > 0 OR instr(procedure_name, chr(13)) > 0 OR other_name
              THEN procedure_name ELSE '' END AS written_name,
         -- a quoted cell spanning lines (LF or CR): an Excel line break, or a quote never closed that swallowed
         -- the rows below
         instr(dossier_code, chr(10)) > 0 OR instr(dossier_code, chr(13)) > 0
           OR instr(procedure_code, chr(10)) > 0 OR instr(procedure_code, chr(13)) > 0
           OR instr(procedure_name, chr(10)) > 0 OR instr(procedure_name, chr(13)) > 0
           OR instr(unit_key, chr(10)) > 0 OR instr(unit_key, chr(13)) > 0
           OR instr(channel, chr(10)) > 0 OR instr(channel, chr(13)) > 0
           OR instr(return_channel, chr(10)) > 0 OR instr(return_channel, chr(13)) > 0
           OR instr(status, chr(10)) > 0 OR instr(status, chr(13)) > 0
           OR instr(coalesce(received_at, ''), chr(10)) > 0 OR instr(coalesce(received_at, ''), chr(13)) > 0
           OR instr(coalesce(due_at, ''), chr(10)) > 0 OR instr(coalesce(due_at, ''), chr(13)) > 0
           OR instr(coalesce(finished_at, ''), chr(10)) > 0 OR instr(coalesce(finished_at, ''), chr(13)) > 0
           OR instr(coalesce(returned_at, ''), chr(10)) > 0 OR instr(coalesce(returned_at, ''), chr(13)) > 0 AS i_line_breaks
  FROM ends
)
SELECT
  dossier_code, proc_code AS procedure_code, proc_name AS procedure_name, unit_label AS unit_name,
  channel_value AS channel,
  CASE WHEN r_dn IS NULL THEN received_at WHEN r_min IS NULL THEN {{date_text r_dn}} ELSE {{datetime_text r_dn r_min}} END AS received_at,
  -- an unreadable due date stays as written (its finding quotes it), even where a computed one is used
  CASE WHEN due_dn IS NULL OR (u_dn IS NULL AND due_at <> '') THEN due_at ELSE {{date_text due_dn}} END AS due_at,
  CASE WHEN f_dn IS NULL THEN finished_at WHEN f_min IS NULL THEN {{date_text f_dn}} ELSE {{datetime_text f_dn f_min}} END AS finished_at,
  CASE WHEN t_dn IS NULL THEN returned_at WHEN t_min IS NULL THEN {{date_text t_dn}} ELSE {{datetime_text t_dn t_min}} END AS returned_at,
  return_value AS return_channel,
  status,
  unit_code, tier, outcome, source_file, source_row,
  due_computed, written_name AS procedure_name_written,
  r_dn IS NOT NULL AND ((r_dn % 7) + 7) % 7 = 2 AS saturday_received,
  coalesce(((r_dn % 7) + 7) % 7 = 2 AND t_dn = r_dn AND t_min < {saturday_hour} * 60, false) AS saturday_same_morning,
  -- most rows have none: the text is only made for the others
  -- a row that is no dossier has that note only
  CASE WHEN footer_row THEN 'footer_row' WHEN i_empty_row THEN 'empty_row' WHEN header_row THEN 'header_row'
       WHEN {other_header} THEN 'under_other_header'
       WHEN i_received_missing OR i_received_unreadable OR i_due_unreadable OR i_finished_unreadable
         OR i_returned_unreadable OR i_finished_before_received OR i_due_before_received
         OR i_duplicate_code OR i_code_missing OR i_done_after_cutoff OR i_done_without_end OR i_line_breaks THEN
    concat_ws(',',
      CASE WHEN i_received_missing THEN 'received_missing' END,
      CASE WHEN i_received_unreadable THEN 'received_unreadable' END,
      CASE WHEN i_due_unreadable THEN 'due_unreadable' END,
      CASE WHEN i_finished_unreadable THEN 'finished_unreadable' END,
      CASE WHEN i_returned_unreadable THEN 'returned_unreadable' END,
      CASE WHEN i_finished_before_received THEN 'finished_before_received' END,
      CASE WHEN i_due_before_received THEN 'due_before_received' END,
      CASE WHEN i_duplicate_code THEN 'duplicate_code' END,
      CASE WHEN i_code_missing THEN 'code_missing' END,
      CASE WHEN i_done_after_cutoff THEN 'done_after_cutoff' END,
      CASE WHEN i_done_without_end THEN 'done_without_end' END,
      CASE WHEN i_line_breaks THEN 'line_breaks' END)
  ELSE '' END AS issues,
  file_idx  -- the files' order, for sorting the output (not written)
FROM o
