-- The rules each supplier breaks, for the list's rule filter: as
-- migrations/sqlite/0006_finding_rules.sql. The writers' advisory lock first (`WRITE_LOCK`,
-- 0x7665_7474_6564), as every statement that raises the list's change counter must (see
-- 0005_list_generation.sql).
SELECT pg_advisory_xact_lock(130178117559652);

ALTER TABLE supplier_evaluations ADD COLUMN rules TEXT;

UPDATE supplier_evaluations SET evaluation_key = NULL;
