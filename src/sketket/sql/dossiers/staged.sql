-- The exports read once: one row per row read, its four dates parsed into day numbers and minutes
-- (date_parts.sql), the text of a date kept only where it was not read (empty, or unreadable: the findings and
-- dossiers.parquet show it as written), and whether it holds anything of a dossier (no_data), or is the header
-- again (header_row) or a closing row of a printed log (footer_row): no dossier either. The other
-- queries (distinct.sql, duplicates.sql, dossiers.sql) read this relation, materialised once by the engine,
-- instead of the exports' text again.
-- Parameters (dossier_counts._not_dossier_params): {header_texts}, a test of received_at against header texts
-- cells; {footer_text} and {footer_unit}, tests of the row's text and its unit cell against footer_rows.
-- Relation: raw (the exports, text; see sketket.analysis.dossier_counts). A projection of raw row by row, in
-- raw's order: the engine relies on it to keep the files' order without sorting.
WITH k AS (
  SELECT raw.*,
         {{parse received_at r}}, {{parse due_at u}}, {{parse finished_at f}}, {{parse returned_at t}}
  FROM raw
),
v AS (
  SELECT k.*, {{value r}}, {{value u}}, {{value f}}, {{value t}}
  FROM k
)
SELECT file_idx, source_row, unit_key, dossier_code, procedure_code, procedure_name, channel, return_channel,
       status,
       r_dn, r_min, u_dn, f_dn, f_min, t_dn, t_min,
       CASE WHEN r_dn IS NULL THEN received_at END AS received_at,
       CASE WHEN u_dn IS NULL THEN due_at END AS due_at,
       CASE WHEN f_dn IS NULL THEN finished_at END AS finished_at,
       CASE WHEN t_dn IS NULL THEN returned_at END AS returned_at,
       -- a row with nothing of a dossier (blank, dashes, or only a unit's name heading its dossiers): no row of
       -- a log
       {{blank dossier_code}} AND {{blank procedure_code}} AND {{blank procedure_name}} AND {{blank channel}}
         AND {{blank return_channel}} AND {{blank status}} AND {{blank received_at}} AND {{blank due_at}}
         AND {{blank finished_at}} AND {{blank returned_at}} AS no_data,
       -- tested only on the few rows without a date of receipt (CASE evaluates its branch on those alone)
       CASE WHEN r_dn IS NULL THEN {header_texts} ELSE false END AS header_row,
       -- no readable date (a signature "Hà Nội, ngày 05 tháng 8 năm 2017" may stand in a date's column)
       CASE WHEN r_dn IS NULL AND u_dn IS NULL AND f_dn IS NULL AND t_dn IS NULL
            THEN {footer_text} OR {footer_unit} ELSE false END AS footer_row
FROM v
