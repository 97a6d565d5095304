-- Migration 0021: what the team writes in the browser for the yearly report
-- (views/report_inputs.py, report/inputs.py).

-- The team's planned changes to the plan and the actioncard: the only free text a council
-- reader sees, so each is reviewed ('godkendt') before it can be published. Append-only:
-- the latest row per change_key wins; older rows are the history.
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
