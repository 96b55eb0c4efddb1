-- The change counter of the list's page cache: as migrations/sqlite/0005_list_generation.sql.
--
-- Statement triggers (one bump per statement, not per row: an import's batch of 1,000 rows
-- bumps once). The statements the `suppliers` row triggers run on `supplier_evaluations`
-- (trigger depth 1) do not bump again: the `suppliers` statement bumps for them. The bump holds the row's lock until the transaction ends, so every statement
-- that takes it must first hold the writers' advisory lock (the writes do; so does the
-- refresh of stored evaluations), or a writer and a refresh could deadlock on it.
CREATE TABLE list_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);

INSERT INTO list_generation (id, generation) VALUES (1, 1);

CREATE FUNCTION list_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER suppliers_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON suppliers
    FOR EACH STATEMENT EXECUTE FUNCTION list_generation_bump();
CREATE TRIGGER supplier_evaluations_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON supplier_evaluations
    FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION list_generation_bump();
