-- Migration 0002: a record of every erasure (store/erasure.py, `ssp-eval slet`).
--
-- What was erased, when, by whom and how much – never what the erased cases held: no case
-- number, no field value. A single case's erasure does not even keep its network.
CREATE SEQUENCE IF NOT EXISTS erasure_seq START 1;
CREATE TABLE IF NOT EXISTS erasures (
    erasure_id       INTEGER PRIMARY KEY DEFAULT nextval('erasure_seq'),
    erased_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    erased_by        VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL CHECK (kind IN ('sag', 'import', 'til_og_med_aar')),
    import_id        INTEGER,                         -- kind 'import': the undone import
    file_name        VARCHAR,                         -- kind 'import': its file's base name
    network          VARCHAR,                         -- kind 'import': the network given at import
    through_year     INTEGER,                         -- kind 'til_og_med_aar': the last year erased
    cases            INTEGER NOT NULL CHECK (cases >= 0),      -- current cases removed
    versions         INTEGER NOT NULL CHECK (versions >= 0),   -- case versions removed, history included
    restored         INTEGER NOT NULL DEFAULT 0 CHECK (restored >= 0),  -- earlier versions current again
    linked_rows      INTEGER NOT NULL DEFAULT 0 CHECK (linked_rows >= 0),  -- rows of other per-case tables
    reason           VARCHAR CHECK (length(reason) <= 500)
);
