-- Reading one date column written as text, in two steps (each a select-list fragment for one CTE level).
-- Placeholders: @x@ the text column (trimmed, '' when empty), @p@ the prefix of the columns made.
-- Parsing itself differs between engines (DuckDB try_strptime with strftime formats, Spark try_to_timestamp
-- with Java patterns): {{try_ts x format}}, {{serial x}} and {{day_number ts}} come from the Dialect in
-- sketket.analysis.dossier_counts, the one place that knows both. Explicit formats only, day first, never
-- month-first (03/04/2017 is 3 April); two-digit years are 20yy; Excel serial numbers (5 digits) are days
-- since 30/12/1899. A text no format reads gives NULL: one bad date costs that row, never the column.
-- Day numbers count days from 01/01/1970 (a Thursday): weekday arithmetic needs no weekday function,
-- whose numbering differs (Sunday is 0 in DuckDB, 1 in Spark).

-- name: parse
-- The shape of the text picks the one format to try (a failed try costs more than the cheap tests below).
CASE
  WHEN @x@ = '' THEN NULL
  -- the usual shapes first, recognised by length and separators alone (LIKE's _ is any one character)
  WHEN @x@ LIKE '__/__/____ __:__' THEN {{try_ts @x@ dmy4_hm}}
  WHEN @x@ LIKE '__/__/____' THEN {{try_ts @x@ dmy4}}
  -- day first with slashes, or a time after one space: split_part finds the shape (cheaper than the last branch)
  WHEN instr(@x@, '/') BETWEEN 2 AND 3 AND instr(@x@, '.') = 0 AND right(@x@, 1) BETWEEN '0' AND '9'
       AND length(@x@) - length(replace(@x@, ' ', '')) = CASE WHEN instr(@x@, ':') > 0 THEN 1 ELSE 0 END THEN
    -- a two-digit year is 20yy: written out by loose_date (the engines' own %y / yy read 69–99 as 19yy or not)
    CASE WHEN length(split_part(split_part(@x@, ' ', 1), '/', 3)) = 2 THEN {{loose_date @x@}}
    ELSE
      CASE length(@x@) - length(replace(@x@, ':', ''))
        WHEN 0 THEN {{try_ts @x@ dmy4}} WHEN 1 THEN {{try_ts @x@ dmy4_hm}} ELSE {{try_ts @x@ dmy4_hms}} END
    END
  -- ISO (year first, "-" or "/"): a zone after the time (Z, +07:00) is dropped, the clock time read as written
  -- (the counter's own)
  -- (the exact usual shapes by the cheap test, any other by _LOOSE_YMD, which also reads AM/PM after the time)
  WHEN instr(@x@, '-') = 5 OR instr(@x@, '/') = 5 THEN
    CASE WHEN @x@ LIKE '____-__-__' THEN {{try_ts @x@ iso}}
         WHEN @x@ LIKE '____-__-__ __:__' THEN {{try_ts @x@ iso_hm}}
         WHEN @x@ LIKE '____-__-__ __:__:__' OR @x@ LIKE '____-__-__T__:__:__' THEN {{try_ts translate(@x@,'T',' ') iso_hms}}
         ELSE {{loose_iso @x@}} END
  -- any other day-first shape: "-" or "." between the parts, a fraction of a second, a 12-hour clock (AM/PM,
  -- SA/CH), a non-breaking space before the time (sketket.analysis.dossier_counts._LOOSE_DMY)
  WHEN instr(@x@, '/') > 0 OR instr(@x@, '-') > 0 OR instr(@x@, '.') BETWEEN 2 AND 3 THEN {{loose_date @x@}}
END AS @p@_ts,
CASE WHEN instr(@x@, '/') = 0 AND instr(@x@, '-') = 0 AND length(@x@) >= 5 THEN {{serial @x@}} END AS @p@_serial,
instr(@x@, ':') > 0 AS @p@_hastime

-- name: value
CASE
  WHEN @p@_ts IS NOT NULL AND year(@p@_ts) BETWEEN 1900 AND 2100 THEN {{day_number @p@_ts}}
  WHEN @p@_serial IS NOT NULL THEN CAST(FLOOR(@p@_serial) AS INT) - 25569
END AS @p@_dn,
CASE
  WHEN @p@_ts IS NOT NULL AND year(@p@_ts) BETWEEN 1900 AND 2100 AND @p@_hastime
    THEN hour(@p@_ts) * 60 + minute(@p@_ts)
  WHEN @p@_serial IS NOT NULL AND @p@_serial <> FLOOR(@p@_serial)
    -- to the nearest second (Excel's General format shows 5 decimals: 08:31 is 42924.35486), then cut to the
    -- minute as a written time is (11:59:40 is 11:59)
    THEN LEAST(1439, CAST(FLOOR(FLOOR((@p@_serial - FLOOR(@p@_serial)) * 86400 + 0.5) / 60) AS INT))
END AS @p@_min
