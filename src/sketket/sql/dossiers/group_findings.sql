-- Findings about many rows at once: an unknown unit, dossiers without any deadline, dossiers received outside
-- the period, a code's rows written with another name (one finding per file and unit or procedure, with the
-- number of rows and the first row; `written`: the text as written the finding is about, where there is one). A row
-- that is no dossier has its own finding (empty_row, header_row, footer_row), whatever its unit.
SELECT source_file,
       CASE WHEN unit_code = '' THEN 'unit_unmatched' WHEN outcome = 'no_deadline' THEN 'no_deadline'
            ELSE 'out_of_period' END AS rule,
       CASE WHEN unit_code = '' THEN unit_name ELSE '' END AS unit_name,
       CASE WHEN outcome = 'no_deadline' AND unit_code <> '' THEN procedure_code ELSE '' END AS procedure_code,
       CASE WHEN outcome = 'no_deadline' AND unit_code <> '' THEN procedure_name ELSE '' END AS procedure_name,
       '' AS written, COUNT(*) AS n, MIN(source_row) AS first_row
FROM dossiers
WHERE (unit_code = '' AND issues NOT IN ('empty_row', 'header_row', 'footer_row', 'under_other_header'))
   OR outcome IN ('no_deadline', 'out_of_period')
GROUP BY 1, 2, 3, 4, 5
UNION ALL
-- a procedure code written with another name than most of its rows (procedure_name_written): per file, code
-- and name as written; procedure_name is then the code's name
SELECT source_file, 'procedure_name_differs' AS rule, '' AS unit_name, procedure_code,
       MIN(procedure_name) AS procedure_name, procedure_name_written AS written, COUNT(*) AS n, MIN(source_row) AS first_row
FROM dossiers
WHERE procedure_name_written <> '' AND procedure_code <> '' AND instr(procedure_name_written, chr(10)) = 0
  AND instr(procedure_name_written, chr(13)) = 0 AND issues NOT IN ('empty_row', 'header_row', 'footer_row')
GROUP BY 1, 2, 3, 4, 6
UNION ALL
-- the rows read under a header repeated with its columns in another order: one finding per file
SELECT source_file, 'under_other_header' AS rule, '' AS unit_name, '' AS procedure_code, '' AS procedure_name,
       '' AS written, COUNT(*) AS n, MIN(source_row) AS first_row
FROM dossiers
WHERE issues = 'under_other_header'
GROUP BY 1, 2
UNION ALL
-- the counted rows whose status says done but that have no date of finishing or return: one finding per file
SELECT source_file, 'done_without_end' AS rule, '' AS unit_name, '' AS procedure_code, '' AS procedure_name,
       '' AS written, COUNT(*) AS n, MIN(source_row) AS first_row
FROM dossiers
WHERE issues LIKE '%done_without_end%'
GROUP BY 1, 2
