-- Migration 0022: the unused table published_suppressions goes.
-- 0.1.0 made it for carrying a Kredsråd edition's hidden cells into the next year's edition,
-- but no version ever wrote or read it: that is done by published_cells (migration 0020),
-- which keeps every published cell, shown or hidden, and which the audit reads
-- (report/audit.py, last_publication). The table was always empty, so nothing is lost; left in
-- place, it told the data-protection overview (docs/databeskyttelse.md) of a table that
-- does nothing.
DROP TABLE IF EXISTS published_suppressions;
