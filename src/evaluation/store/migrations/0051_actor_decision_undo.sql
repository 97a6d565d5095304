-- Decisions on new actors can be undone (issue 13 item 3): one decision_id per decision (its
-- spellings share it), the spelling as written, whether the decision wrote that spelling into
-- the registry (so an undo removes exactly that), and 'undone' rows that take a decision back.
-- DuckDB cannot change a CHECK with ALTER: the table is made anew and the rows copied over;
-- the rows of one old decision were written in one statement, so they share decided_at.
CREATE TABLE actor_decisions_0051 (
    normalised_name  VARCHAR NOT NULL,
    decision         VARCHAR NOT NULL CHECK (decision IN ('new_actor', 'alias', 'dismissed', 'undone')),
    actor_id         VARCHAR,
    decided_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    decided_by       VARCHAR NOT NULL,
    note             VARCHAR,
    decision_id      INTEGER NOT NULL,
    name             VARCHAR NOT NULL,
    in_registry      BOOLEAN NOT NULL DEFAULT FALSE,
    undoes           INTEGER,
    CHECK ((decision = 'undone') = (undoes IS NOT NULL))
);
INSERT INTO actor_decisions_0051
SELECT normalised_name, decision, actor_id, decided_at, decided_by, note,
       dense_rank() OVER (ORDER BY decided_at, decided_by, decision, coalesce(actor_id, '')) AS decision_id,
       normalised_name AS name,
       decision IN ('new_actor', 'alias') AS in_registry,
       NULL AS undoes
FROM actor_decisions
ORDER BY decided_at, rowid;
DROP TABLE actor_decisions;
ALTER TABLE actor_decisions_0051 RENAME TO actor_decisions;
