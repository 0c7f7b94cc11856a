-- The distinct values that Python maps once (unit names to the registry, channels and statuses to their
-- canonical values, procedures to their time limits), in one pass over the exports read once (staged.sql).
SELECT unit_key, channel, return_channel, status, procedure_code, procedure_name,
       GROUPING(unit_key) AS g_unit, GROUPING(channel) AS g_channel, GROUPING(return_channel) AS g_return,
       GROUPING(status) AS g_status, GROUPING(procedure_name) AS g_proc
FROM staged
GROUP BY GROUPING SETS ((unit_key), (channel), (return_channel), (status), (procedure_code, procedure_name))
