-- The channel texts no word of dossiers.yml recognises ({texts}: dossier_counts._unknown_channels), per file:
-- how many dossiers of the period and the first row. Such dossiers count neither online nor postal.
-- Parameters: {texts}, {period_start}, {cutoff}, {other_header}.
SELECT file_idx, channel, COUNT(*) AS n, MIN(source_row) AS first_row
FROM staged
WHERE channel IN ({texts}) AND NOT no_data AND NOT header_row AND NOT footer_row AND NOT {other_header}
  AND r_dn BETWEEN {period_start} AND {cutoff}
GROUP BY file_idx, channel
