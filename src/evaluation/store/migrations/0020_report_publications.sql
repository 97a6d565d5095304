-- Migration 0020: publishing the yearly report is a step of its own (report/publish.py).
--
-- Rendering an edition makes a draft; "Udgiv til Kredsrådet" records who published which
-- edition when, the files exactly as published, and every cell of every table with what it
-- counts and its value, so next year's edition is audited against what was really
-- published, also when the table design has changed since.

CREATE SEQUENCE IF NOT EXISTS publication_seq START 1;
CREATE TABLE IF NOT EXISTS report_publications (
    publication_id  INTEGER PRIMARY KEY DEFAULT nextval('publication_seq'),
    year            INTEGER NOT NULL CHECK (year BETWEEN 2015 AND 2100),
    edition         VARCHAR NOT NULL CHECK (edition IN ('team', 'kredsraad')),
    kontrolnummer   VARCHAR NOT NULL,                 -- printed in the edition; matches the manifest
    published_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    published_by    VARCHAR NOT NULL,
    checksum_all    VARCHAR NOT NULL,                 -- the data the edition was computed from
    manifest        VARCHAR NOT NULL,                 -- JSON, team only: versions, parameters, imports
    pdf_name        VARCHAR,
    pdf             BLOB,                             -- the files exactly as published
    html_name       VARCHAR NOT NULL,
    html            BLOB NOT NULL
);

-- Every table of a published edition: its title and how it was coarsened (printed beside it).
CREATE TABLE IF NOT EXISTS published_tables (
    publication_id  INTEGER NOT NULL,
    table_name      VARCHAR NOT NULL,
    title           VARCHAR NOT NULL,
    design_note     VARCHAR NOT NULL,
    PRIMARY KEY (publication_id, table_name)
);

-- Every cell of those tables: what it counts (JSON, for the audit), what was printed, and
-- the true value (team only: the audit needs it to know whether a hidden cell is pinned).
CREATE TABLE IF NOT EXISTS published_cells (
    publication_id  INTEGER NOT NULL,
    table_name      VARCHAR NOT NULL,
    row_label       VARCHAR NOT NULL,
    column_label    VARCHAR NOT NULL,
    definition      VARCHAR NOT NULL,
    shown           VARCHAR NOT NULL,
    status          VARCHAR NOT NULL CHECK (status IN ('vist', 'primær', 'sekundær')),
    true_value      INTEGER NOT NULL CHECK (true_value >= 0),
    PRIMARY KEY (publication_id, table_name, row_label, column_label)
);
