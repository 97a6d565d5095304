-- Phone numbers can be marked as checked, with history (issue 13 item 7), like web addresses.
CREATE TABLE IF NOT EXISTS phone_checks (
    phone_id    VARCHAR NOT NULL,
    number      VARCHAR NOT NULL,
    result      VARCHAR NOT NULL CHECK (result IN ('ok', 'changed', 'broken')),
    new_number  VARCHAR,
    checked_on  DATE NOT NULL,
    note        VARCHAR CHECK (length(note) <= 1000),
    saved_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    saved_by    VARCHAR NOT NULL,
    CHECK ((result = 'changed') = (new_number IS NOT NULL))
);
