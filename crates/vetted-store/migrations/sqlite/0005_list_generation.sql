-- The change counter of the list's page cache (see vetted-store's page_cache module).
--
-- One row whose `generation` goes up with every insert, update or delete of `suppliers` and of
-- `supplier_evaluations`, by triggers, in the writing transaction: whatever process writes the
-- file (the server, `vetted import` beside it), a reader that sees the same generation and the
-- same evaluation keys as when it cached a page sees the same rows. SQLite has only row
-- triggers; bumping one row by its key costs about a microsecond per row written.
CREATE TABLE list_generation (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    generation INTEGER NOT NULL
);

INSERT INTO list_generation (id, generation) VALUES (1, 1);

CREATE TRIGGER suppliers_generation_insert AFTER INSERT ON suppliers BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER suppliers_generation_update AFTER UPDATE ON suppliers BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER suppliers_generation_delete AFTER DELETE ON suppliers BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER supplier_evaluations_generation_insert AFTER INSERT ON supplier_evaluations BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER supplier_evaluations_generation_update AFTER UPDATE ON supplier_evaluations BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER supplier_evaluations_generation_delete AFTER DELETE ON supplier_evaluations BEGIN
    UPDATE list_generation SET generation = generation + 1 WHERE id = 1;
END;
