-- The rules each supplier breaks, for the list's rule filter (`?rule=review.overdue`).
--
-- `rules` holds the ids of the rules with a `fail` or `warn` finding as ",id,id," (like
-- `countries`), computed with the rest of the stored evaluation. Every key is cleared so that the
-- next list query or refresh evaluates each row again and fills the column.
ALTER TABLE supplier_evaluations ADD COLUMN rules TEXT;

UPDATE supplier_evaluations SET evaluation_key = NULL;
