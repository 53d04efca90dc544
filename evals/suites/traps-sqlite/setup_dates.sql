-- Visits kept the SQLite way: ISO dates and timestamps as text, moved with date() modifiers
-- and measured with julianday(). Values sit on month ends, a leap day, year ends, every
-- weekday, and one visit before 1970.
CREATE TABLE visits (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER,
  visit_day   TEXT,    -- 'YYYY-MM-DD'
  started_at  TEXT,    -- 'YYYY-MM-DD HH:MM:SS'
  ended_at    TEXT
);
INSERT INTO visits VALUES
  (1, 1, '2024-01-31', '2024-01-31 09:15:00', '2024-01-31 17:45:30'),
  (2, 2, '2024-02-29', '2024-02-29 23:30:00', '2024-03-01 01:10:00'),
  (3, 3, '2023-12-31', '2023-12-31 22:00:00', '2024-01-01 02:00:00'),
  (4, 4, '2024-03-31', '2024-03-31 08:00:00', '2024-03-31 08:00:59'),
  (5, 1, '2021-01-03', '2021-01-03 12:00:00', '2021-01-04 12:00:00'),
  (6, 6, '2024-12-30', '2024-12-30 06:05:04', '2024-12-30 07:05:04'),
  (7, 5, NULL,         NULL,                  NULL),
  (8, 2, '1969-12-31', '1969-12-31 23:59:59', '1970-01-01 00:00:01'),
  (9, 3, '2024-03-02', '2024-03-02 10:00:00', '2024-03-02 10:30:00');
