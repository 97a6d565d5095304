-- SSP-evaluering: the one database schema (DuckDB), as it is now.
--
-- A new database is made from this file (store/migrate.py) and stamped with every migration
-- in src/evaluation/store/migrations/; an older database is carried here by those
-- migrations instead. tests/store/test_migrate.py checks that both roads give the same
-- tables, columns, constraints and views: change this file and add a migration together.
-- Code lists are VARCHAR + CHECK rather than ENUM types, because ENUMs can't be altered in
-- place (duckdb#3075) and the lists will grow. The CHECK lists mirror
-- src/evaluation/ingest/spec.py; tests/store/test_schema.py asserts that they agree.
--
-- Append-only where people edit through the dashboards (verifications, judgements, notes,
-- actor decisions): every save is a new row, the latest row wins, and the older rows are the
-- history. Registry tables are edited in place and every change is written to
-- registry_history (who, when, old, new).

-- Which migrations this database has (store/migrate.py): its schema version.
CREATE TABLE IF NOT EXISTS schema_migrations (
    migration   VARCHAR PRIMARY KEY,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    how         VARCHAR NOT NULL CHECK (how IN ('created', 'migrated', 'assumed'))
);

------------------------------------------------------------------------------------------
-- Imports and cases
------------------------------------------------------------------------------------------

CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

-- One row per export file that was loaded (rejected files are in rejected_files).
-- sha256 is of the file's bytes: importing the same content again is a no-op.
CREATE TABLE IF NOT EXISTS imports (
    import_id       INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
    file_name       VARCHAR NOT NULL,                 -- base name only, never a full path
    sha256          VARCHAR NOT NULL UNIQUE CHECK (length(sha256) = 64),
    network         VARCHAR,                          -- --network given at import, else NULL
    imported_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    imported_by     VARCHAR NOT NULL,                 -- OS user who ran the import
    format_version  INTEGER NOT NULL DEFAULT 1,
    rows_in_file    INTEGER NOT NULL CHECK (rows_in_file >= 0),
    rows_new        INTEGER NOT NULL CHECK (rows_new >= 0),
    rows_replaced   INTEGER NOT NULL CHECK (rows_replaced >= 0),
    rows_unchanged  INTEGER NOT NULL CHECK (rows_unchanged >= 0),
    warnings        INTEGER NOT NULL DEFAULT 0 CHECK (warnings >= 0)
);

-- One row per rejected attempt: what was refused and how many errors, never the values.
CREATE TABLE IF NOT EXISTS rejected_files (
    file_name       VARCHAR NOT NULL,
    sha256          VARCHAR,                          -- NULL when the file could not be read
    network         VARCHAR,
    rejected_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    rejected_by     VARCHAR NOT NULL,
    errors          INTEGER NOT NULL CHECK (errors >= 1),
    first_error     VARCHAR                           -- rule of the first error, no value
);

-- Every version of every case ever loaded. A case is (netvaerk, sags_id); a corrected export
-- adds a new version and sets replaced_by_import on the old one. One column per spec key:
-- months as DATE on the 1st, lists as VARCHAR[] of codes, yes/no as BOOLEAN.
-- A list holds only known codes when casting it to the codes' ENUM turns no element into NULL
-- (the count of non-NULL elements stays): the rule of list_has_all(codes, list), at a third of
-- its cost in a 1M-row write (migration 0023).
CREATE TABLE IF NOT EXISTS case_versions (
    import_id                   INTEGER NOT NULL,     -- imports.import_id that wrote this version
    row_in_file                 INTEGER NOT NULL,     -- Excel row number in that file
    replaced_by_import          INTEGER,              -- NULL = current version
    content_hash                VARCHAR NOT NULL,     -- of the validated values: detects "unchanged"
    sags_id                     VARCHAR NOT NULL CHECK (length(sags_id) BETWEEN 1 AND 40),
    netvaerk                    VARCHAR NOT NULL CHECK (length(netvaerk) >= 1),
    institutionstype            VARCHAR NOT NULL CHECK (institutionstype IN
        ('folkeskole', 'friskole', 'efterskole', 'ungdomsuddannelse', 'fritidstilbud', 'andet')),
    indberetningsmaaned         DATE NOT NULL CHECK (day(indberetningsmaaned) = 1
                                                     AND indberetningsmaaned >= DATE '2015-01-01'),
    afslutningsmaaned           DATE CHECK (day(afslutningsmaaned) = 1
                                            AND afslutningsmaaned >= indberetningsmaaned),
    aldersgruppe                VARCHAR NOT NULL CHECK (aldersgruppe IN
        ('under_12', '12_14', '15_17', '18_plus', 'ukendt')),
    koen                        VARCHAR CHECK (koen IN ('pige', 'dreng', 'andet', 'ukendt')),
    antal_kraenkede             INTEGER NOT NULL DEFAULT 1 CHECK (antal_kraenkede >= 1),
    kraenker                    VARCHAR NOT NULL CHECK (kraenker IN ('kendt', 'ukendt', 'begge')),
    kraenker_samme_institution  VARCHAR CHECK (kraenker_samme_institution IN ('ja', 'nej', 'ukendt')),
    situation                   VARCHAR NOT NULL CHECK (situation IN ('A', 'B')),
    kraenkelsestyper            VARCHAR[] NOT NULL CHECK (len(kraenkelsestyper) >= 1 AND
        list_aggregate(TRY_CAST(kraenkelsestyper AS ENUM('billeddeling', 'videodeling', 'afpresning', 'trusler',
            'hacking', 'identitetstyveri', 'chikane', 'grooming', 'andet')[]), 'count')
        = list_aggregate(kraenkelsestyper, 'count')),
    platforme                   VARCHAR[] CHECK (list_aggregate(TRY_CAST(platforme AS ENUM('snapchat', 'instagram', 'tiktok', 'facebook',
            'messenger', 'whatsapp', 'discord', 'youtube', 'gaming', 'sms', 'andet', 'ukendt')[]), 'count')
        = list_aggregate(platforme, 'count')),
    spredning                   VARCHAR CHECK (spredning IN
        ('ingen', 'enkeltpersoner', 'klassen', 'skolen', 'uden_for_skolen', 'ukendt')),
    vurdering                   VARCHAR[] NOT NULL CHECK (len(vurdering) >= 1 AND list_aggregate(TRY_CAST(vurdering AS ENUM(
        'politisag', 'underretning', 'paedagogisk')[]), 'count')
        = list_aggregate(vurdering, 'count')),
    foraeldre_inddraget         VARCHAR NOT NULL CHECK (foraeldre_inddraget IN ('ja', 'nej', 'ikke_relevant')
                                    AND (foraeldre_inddraget <> 'ikke_relevant' OR aldersgruppe = '18_plus')),
    foraeldre_inddraget_dage    INTEGER CHECK (foraeldre_inddraget_dage IS NULL OR
                                    (foraeldre_inddraget_dage BETWEEN 0 AND 365 AND foraeldre_inddraget = 'ja')),
    dokumentation_sikret        VARCHAR NOT NULL CHECK (dokumentation_sikret IN ('ja', 'delvist', 'nej')),
    materiale_slettet           VARCHAR CHECK (materiale_slettet IN
        ('ja', 'delvist', 'nej', 'ukendt', 'ikke_relevant')),
    sletdet_kontaktet           BOOLEAN,
    datatilsynet_klage          BOOLEAN,
    samarbejde                  VARCHAR CHECK (samarbejde IN ('ingen', 'kommunalt', 'regionalt', 'nationalt')),
    politianmeldt               BOOLEAN NOT NULL,
    anmeldt_af                  VARCHAR CHECK (anmeldt_af IS NULL OR (anmeldt_af IN
        ('kraenkede', 'foraeldre', 'skolen', 'myndighedsafdeling') AND politianmeldt)),
    underretning_sendt          BOOLEAN,
    forsikring_anbefalet        BOOLEAN,
    ssp_konsulent_inddraget     BOOLEAN,
    hjaelp                      VARCHAR[] CHECK (list_aggregate(TRY_CAST(hjaelp AS ENUM(
        'ingen', 'skolen', 'psykolog', 'hotline', 'laege', 'andet')[]), 'count')
        = list_aggregate(hjaelp, 'count')),
    hjaelp_kraenker             BOOLEAN,
    konfliktmaegling            VARCHAR CHECK (konfliktmaegling IN ('ja', 'nej', 'ikke_relevant')),
    orienteret                  VARCHAR[] CHECK (list_aggregate(TRY_CAST(orienteret AS ENUM(
        'ingen', 'klassen', 'skolen', 'foraeldregruppen')[]), 'count')
        = list_aggregate(orienteret, 'count')),
    presseinteresse             BOOLEAN,
    aktoerer                    VARCHAR[],            -- outside organisations, as written
    erfaringer                  VARCHAR CHECK (length(erfaringer) <= 1000)
);

-- One row per current case: the analyses read this, never case_versions.
CREATE OR REPLACE VIEW cases AS
SELECT * EXCLUDE (replaced_by_import, content_hash, row_in_file)
FROM case_versions
WHERE replaced_by_import IS NULL;

------------------------------------------------------------------------------------------
-- The plan registry (seeded from data/plan.yaml by init; then the database is the truth)
------------------------------------------------------------------------------------------

-- Facts about the plan itself: title, municipality, adopted, last evaluated, ...
CREATE TABLE IF NOT EXISTS plan_meta (
    key     VARCHAR PRIMARY KEY,
    value   VARCHAR
);

-- Outside organisations and authorities the plan names (Red Barnet SletDet, Datatilsynet, ...).
CREATE TABLE IF NOT EXISTS actors (
    actor_id     VARCHAR PRIMARY KEY,                 -- stable slug, e.g. 'red_barnet_sletdet'
    name         VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN
        ('ngo', 'myndighed', 'politi', 'sundhed', 'kommune', 'netvaerk', 'andet')),
    description  VARCHAR,
    in_plan      BOOLEAN NOT NULL DEFAULT TRUE,       -- FALSE: known but not printed in the plan
    added_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Other spellings of an actor's name, used to match the cases' free "aktoerer" names.
CREATE TABLE IF NOT EXISTS actor_aliases (
    actor_id  VARCHAR NOT NULL,
    alias     VARCHAR NOT NULL,
    PRIMARY KEY (actor_id, alias)
);

-- The local SSP networks the plan knows. A case's netvaerk (and a key person's, an
-- exercise's, a meeting note's) is always a network's current name; renaming a network
-- (plan/registry.py rename_network) renames it there too, and keeps the old name below.
CREATE TABLE IF NOT EXISTS networks (
    network_id  VARCHAR PRIMARY KEY,                  -- stable slug, e.g. 'hjoerring_by'
    name        VARCHAR NOT NULL,                     -- current name, as shown and stored
    added_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Every spelling a network is recognised by (its name, former names, other spellings), by
-- identity key (evaluation/identity.py: NFC, blanks collapsed, case folded): one key, one network.
CREATE TABLE IF NOT EXISTS network_names (
    name_key    VARCHAR PRIMARY KEY,
    network_id  VARCHAR NOT NULL,
    name        VARCHAR NOT NULL                      -- as written
);

-- Web addresses the plan lists. url is as printed (no scheme needed); checked by links.
CREATE TABLE IF NOT EXISTS addresses (
    address_id  VARCHAR PRIMARY KEY,
    url         VARCHAR NOT NULL UNIQUE,
    actor_id    VARCHAR,
    purpose     VARCHAR NOT NULL                      -- Danish: what the address is for
);

-- Phone numbers the plan lists, as printed (e.g. '35 36 55 55', '114').
CREATE TABLE IF NOT EXISTS phones (
    phone_id   VARCHAR PRIMARY KEY,
    number     VARCHAR NOT NULL,
    actor_id   VARCHAR,
    purpose    VARCHAR NOT NULL
);

-- Key-person roles (SSP- og Ungdomskonsulent, SSP-kontaktlærer, ledelse, ...).
CREATE TABLE IF NOT EXISTS roles (
    role_id        VARCHAR PRIMARY KEY,
    title          VARCHAR NOT NULL,
    description    VARCHAR,
    per_network    BOOLEAN NOT NULL DEFAULT TRUE      -- each local network should have one
);

-- Municipal plans and policies the action plan must be consistent with.
CREATE TABLE IF NOT EXISTS policies (
    policy_id      VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    owner          VARCHAR,
    last_revised   DATE,
    description    VARCHAR
);

-- The actioncard: 5 phases ...
CREATE TABLE IF NOT EXISTS actioncard_phases (
    phase_no  INTEGER PRIMARY KEY CHECK (phase_no BETWEEN 1 AND 9),
    phase_id  VARCHAR NOT NULL UNIQUE,                -- 'vurder', 'dokumenter', ...
    title     VARCHAR NOT NULL                        -- 'Vurder krænkelsen'
);

-- ... and 13 steps, with the text printed on the card.
CREATE TABLE IF NOT EXISTS actioncard_steps (
    step_id   VARCHAR PRIMARY KEY,                    -- 'afdaek', 'vurder', ...
    phase_no  INTEGER NOT NULL,
    step_no   INTEGER NOT NULL CHECK (step_no >= 1),
    title     VARCHAR NOT NULL,
    text      VARCHAR NOT NULL,
    UNIQUE (phase_no, step_no)
);

-- Every change made to the registry after seeding: who, when, old and new (as JSON text).
CREATE SEQUENCE IF NOT EXISTS registry_change_seq START 1;
CREATE TABLE IF NOT EXISTS registry_history (
    change_id   INTEGER PRIMARY KEY DEFAULT nextval('registry_change_seq'),
    changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    changed_by  VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    item_id     VARCHAR NOT NULL,
    action      VARCHAR NOT NULL CHECK (action IN ('seed', 'insert', 'update', 'delete')),
    old_value   VARCHAR,                              -- JSON of the row before, NULL on insert
    new_value   VARCHAR,                              -- JSON of the row after, NULL on delete
    reason      VARCHAR
);

------------------------------------------------------------------------------------------
-- Evaluation work (append-only: the latest row per key wins, older rows are history)
------------------------------------------------------------------------------------------

-- Who holds a key-person role in a network and when it was last verified. Person names are
-- optional staff contact data; pupils never appear here.
CREATE TABLE IF NOT EXISTS key_person_verifications (
    netvaerk     VARCHAR NOT NULL,
    role_id      VARCHAR NOT NULL,
    person       VARCHAR,                             -- optional staff name or job title
    verified_on  DATE NOT NULL,
    saved_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by     VARCHAR NOT NULL
);

-- The yearly actioncard exercise per network.
CREATE TABLE IF NOT EXISTS exercises (
    netvaerk               VARCHAR NOT NULL,
    year                   INTEGER NOT NULL CHECK (year BETWEEN 2015 AND 2100),
    held                   BOOLEAN NOT NULL,
    held_on                DATE,
    contact_teachers       INTEGER CHECK (contact_teachers >= 0),
    new_contact_teachers   INTEGER CHECK (new_contact_teachers >= 0
                                          AND new_contact_teachers <= contact_teachers),
    saved_at               TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by               VARCHAR NOT NULL
);

-- The consultant's judgement per policy per evaluation year.
CREATE TABLE IF NOT EXISTS policy_judgements (
    policy_id   VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    judgement   VARCHAR NOT NULL CHECK (judgement IN ('i_overensstemmelse', 'skal_tilpasses', 'ikke_vurderet')),
    note        VARCHAR,
    saved_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by    VARCHAR NOT NULL
);

-- Notes from each network's yearly evaluation meeting (latest per note_key wins).
CREATE TABLE IF NOT EXISTS meeting_notes (
    netvaerk      VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    meeting_date  DATE,
    note          VARCHAR NOT NULL CHECK (length(note) <= 10000),
    saved_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by      VARCHAR NOT NULL
);

-- Decisions on names found in cases that the plan does not list: accepted as a new actor,
-- accepted as an alias of a known actor, or dismissed. Remembered for next year. One row per
-- spelling; the spellings of one decision share decision_id. A decision is taken back by
-- 'undone' rows (undoes = its decision_id), which also remove from the registry exactly the
-- names the decision wrote there (in_registry). The latest row per name wins.
CREATE TABLE IF NOT EXISTS actor_decisions (
    normalised_name  VARCHAR NOT NULL,
    decision         VARCHAR NOT NULL CHECK (decision IN ('new_actor', 'alias', 'dismissed', 'undone')),
    actor_id         VARCHAR,                         -- the actor created or aliased
    decided_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    decided_by       VARCHAR NOT NULL,
    note             VARCHAR,                         -- the reason given
    decision_id      INTEGER NOT NULL,
    name             VARCHAR NOT NULL,                -- the spelling as written in the cases
    in_registry      BOOLEAN NOT NULL DEFAULT FALSE,  -- this decision wrote the name into the registry
    undoes           INTEGER,                         -- 'undone': the decision taken back
    CHECK ((decision = 'undone') = (undoes IS NOT NULL))
);

-- Every link check ever made (links.py). url is the address checked, with scheme.
CREATE TABLE IF NOT EXISTS link_checks (
    checked_at    TIMESTAMP NOT NULL,
    url           VARCHAR NOT NULL,
    address_id    VARCHAR,                            -- NULL for addresses found in learnings
    status        VARCHAR NOT NULL CHECK (status IN ('ok', 'moved', 'broken', 'unreachable')),
    http_status   INTEGER,
    final_url     VARCHAR,
    chain         VARCHAR[],                          -- "301 https://..." per hop
    error         VARCHAR,                            -- Danish, e.g. 'tidsgrænse overskredet'
    elapsed_ms    INTEGER,
    run_id        INTEGER,                            -- link_run_seq: all checks of one run
    error_kind    VARCHAR,                            -- dns, connect, tls, timeout, protocol, loop,
                                                      -- too_many, http, invalid, other, offline
    proposed_url  VARCHAR,                            -- moved: the new address, as printed
    note          VARCHAR                             -- Danish, e.g. a temporary redirect
);
CREATE SEQUENCE IF NOT EXISTS link_run_seq START 1;

-- Every check of a phone number in the plan (question 3, phone_checks.py): a consultant rang
-- it or looked it up and marked it right ('ok'), changed ('changed': the registry now prints
-- new_number, with registry_history) or not working ('broken'). Latest check per number wins.
CREATE TABLE IF NOT EXISTS phone_checks (
    phone_id    VARCHAR NOT NULL,
    number      VARCHAR NOT NULL,                     -- the number as printed when checked
    result      VARCHAR NOT NULL CHECK (result IN ('ok', 'changed', 'broken')),
    new_number  VARCHAR,                              -- 'changed': the number printed since
    checked_on  DATE NOT NULL,
    note        VARCHAR CHECK (length(note) <= 1000),
    saved_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by    VARCHAR NOT NULL,
    CHECK ((result = 'changed') = (new_number IS NOT NULL))
);

-- Every erasure (store/erasure.py, `ssp-eval slet`; migration 0002): what kind, when, by whom
-- and how much – never what the erased cases held (no case number, no value; a single case's
-- erasure does not even keep its network).
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

------------------------------------------------------------------------------------------
-- The yearly report: published editions (0020) and what the team writes for it (0021)
------------------------------------------------------------------------------------------

-- Publishing is a step of its own (report/publish.py): who published which edition when,
-- the files as published, and every cell with what it counts, for next year's audit.
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

-- The team's planned changes (the only free text a council reader sees; reviewed first)
-- and the tags on the networks' learnings (views/report_inputs.py).
CREATE TABLE IF NOT EXISTS planned_changes (
    change_key  VARCHAR NOT NULL,                     -- one change across its edits
    year        INTEGER NOT NULL CHECK (year BETWEEN 2015 AND 2100),
    target      VARCHAR NOT NULL CHECK (target IN ('plan', 'actioncard')),
    text        VARCHAR NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    status      VARCHAR NOT NULL CHECK (status IN ('kladde', 'godkendt', 'slettet')),
    saved_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by    VARCHAR NOT NULL
);

-- A network's written learning (cases.erfaringer) tagged by the team with an actioncard
-- phase ('fase:<phase_id>') or a theme ('tema:<key>'); '' takes a tag off again. The
-- latest row per case wins. Untagged learnings are shown as untagged, never guessed.
CREATE TABLE IF NOT EXISTS learning_tags (
    netvaerk   VARCHAR NOT NULL,
    sags_id    VARCHAR NOT NULL,
    tag        VARCHAR NOT NULL,
    saved_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by   VARCHAR NOT NULL
);

------------------------------------------------------------------------------------------
-- Access (ssp-eval serve): who may log in, with which role, and every change to that.
-- Sessions and the access log are NOT here: they live beside the database in a separate
-- append-only store (server/accesslog.py), so a page view never waits for a database write.
------------------------------------------------------------------------------------------

-- People who log in to `ssp-eval serve` (server/users.py), and every change to them.
CREATE TABLE IF NOT EXISTS users (
    username             VARCHAR PRIMARY KEY,             -- login name: lower case a-z 0-9 . _ -
    display_name         VARCHAR NOT NULL,
    role                 VARCHAR NOT NULL CHECK (role IN ('team', 'netvaerk', 'laeser')),
    network_id           VARCHAR,                         -- a 'netvaerk' user's network (networks.network_id:
                                                          -- stable across renames), else NULL
    password_hash        VARCHAR NOT NULL,                -- argon2id (argon2-cffi); never the password
    active               BOOLEAN NOT NULL DEFAULT true,
    created_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by           VARCHAR NOT NULL,
    password_changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK ((role = 'netvaerk') = (network_id IS NOT NULL))
);
CREATE SEQUENCE IF NOT EXISTS user_change_seq START 1;
CREATE TABLE IF NOT EXISTS user_history (
    change_id   INTEGER PRIMARY KEY DEFAULT nextval('user_change_seq'),
    changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    changed_by  VARCHAR NOT NULL,
    username    VARCHAR NOT NULL,
    action      VARCHAR NOT NULL CHECK (action IN ('add', 'disable', 'enable', 'password')),
    role        VARCHAR,                                  -- the role and network (its id) after the change
    network_id  VARCHAR
);
