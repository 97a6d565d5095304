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
