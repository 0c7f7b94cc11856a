-- Parsing one date column written as text, in three steps (each a select-list fragment for one CTE level).
-- Dialect-neutral on purpose (DuckDB and Spark SQL): no strptime/to_date (their patterns differ), no try_
-- functions, no weekday function (Sunday is 0 in DuckDB, 1 in Spark). The shape is checked by a regular
-- expression; then the parts are cut with split_part and checked by arithmetic, so one bad date costs one row.
-- Day numbers count days from 01/01/1970 (a Thursday). Never month-first: 03/04/2017 is 3 April.
-- Placeholders: @x@ the text column (trimmed, '' when empty), @p@ the prefix of the columns made.

-- name: kind
CASE
  WHEN @x@ = '' THEN 'empty'
  WHEN regexp_extract(@x@, '^[0-9]{1,2}[/.-][0-9]{1,2}[/.-]([0-9]{4}|[0-9]{2})( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?$', 0) <> '' THEN 'dmy'
  WHEN regexp_extract(@x@, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$', 0) <> '' THEN 'iso'
  WHEN regexp_extract(@x@, '^[0-9]{5}([.][0-9]+)?$', 0) <> '' THEN 'serial'
  ELSE 'bad'
END AS @p@_kind

-- name: fields
CASE @p@_kind
  WHEN 'dmy' THEN CAST(split_part(translate(@x@, '.-', '//'), '/', 1) AS INT)
  WHEN 'iso' THEN CAST(split_part(split_part(split_part(@x@, '-', 3), ' ', 1), 'T', 1) AS INT)
END AS @p@_d,
CASE @p@_kind
  WHEN 'dmy' THEN CAST(split_part(translate(@x@, '.-', '//'), '/', 2) AS INT)
  WHEN 'iso' THEN CAST(split_part(@x@, '-', 2) AS INT)
END AS @p@_m,
CASE @p@_kind
  WHEN 'dmy' THEN CAST(split_part(split_part(translate(@x@, '.-', '//'), '/', 3), ' ', 1) AS INT)
    + CASE WHEN length(split_part(split_part(translate(@x@, '.-', '//'), '/', 3), ' ', 1)) = 2 THEN 2000 ELSE 0 END
  WHEN 'iso' THEN CAST(split_part(@x@, '-', 1) AS INT)
END AS @p@_y,
CASE WHEN @p@_kind IN ('dmy', 'iso') AND split_part(translate(@x@, 'T', ' '), ' ', 2) <> ''
  THEN CAST(split_part(split_part(translate(@x@, 'T', ' '), ' ', 2), ':', 1) AS INT) END AS @p@_hh,
CASE WHEN @p@_kind IN ('dmy', 'iso') AND split_part(translate(@x@, 'T', ' '), ' ', 2) <> ''
  THEN CAST(split_part(split_part(translate(@x@, 'T', ' '), ' ', 2), ':', 2) AS INT) END AS @p@_mi,
CASE WHEN @p@_kind = 'serial' THEN CAST(@x@ AS DOUBLE) END AS @p@_serial

-- name: value
CASE
  WHEN @p@_kind = 'serial' THEN CAST(FLOOR(@p@_serial) AS INT) - 25569
  WHEN @p@_y BETWEEN 1900 AND 2100 AND @p@_m BETWEEN 1 AND 12 AND @p@_d >= 1
       AND @p@_d <= CASE WHEN @p@_m = 2 THEN
                           CASE WHEN (@p@_y % 4 = 0 AND @p@_y % 100 <> 0) OR @p@_y % 400 = 0 THEN 29 ELSE 28 END
                         WHEN @p@_m IN (4, 6, 9, 11) THEN 30 ELSE 31 END
       AND coalesce(@p@_hh, 0) BETWEEN 0 AND 23 AND coalesce(@p@_mi, 0) BETWEEN 0 AND 59
  THEN -- days from the civil date (Fliegel and Van Flandern), less the Julian day of 01/01/1970
    @p@_d + CAST(FLOOR((153 * (@p@_m + 12 * CAST(FLOOR((14 - @p@_m) / 12) AS INT) - 3) + 2) / 5) AS INT)
    + 365 * (@p@_y + 4800 - CAST(FLOOR((14 - @p@_m) / 12) AS INT))
    + CAST(FLOOR((@p@_y + 4800 - CAST(FLOOR((14 - @p@_m) / 12) AS INT)) / 4) AS INT)
    - CAST(FLOOR((@p@_y + 4800 - CAST(FLOOR((14 - @p@_m) / 12) AS INT)) / 100) AS INT)
    + CAST(FLOOR((@p@_y + 4800 - CAST(FLOOR((14 - @p@_m) / 12) AS INT)) / 400) AS INT)
    - 32045 - 2440588
END AS @p@_dn,
CASE
  WHEN @p@_kind = 'serial' AND @p@_serial <> FLOOR(@p@_serial) THEN LEAST(1439, CAST(FLOOR((@p@_serial - FLOOR(@p@_serial)) * 1440 + 0.5) AS INT))
  WHEN @p@_hh BETWEEN 0 AND 23 AND @p@_mi BETWEEN 0 AND 59 THEN @p@_hh * 60 + @p@_mi
END AS @p@_min
