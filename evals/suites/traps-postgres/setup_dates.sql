-- Shifts with dates and timestamps on PostgreSQL's to_char edges: quarters, weekday numbers,
-- Julian days, weeks of the month, fractions of a second, ISO weeks across year ends.
CREATE TABLE shifts (
  id         integer PRIMARY KEY,
  worker     varchar(20),
  shift_day  date,
  started_at timestamp,
  ended_at   timestamp
);
INSERT INTO shifts VALUES
  (1, 'ada', '2024-01-31', '2024-01-31 09:15:00.25',  '2024-01-31 17:45:30.75'),
  (2, 'bob', '2024-02-29', '2024-02-29 23:30:00',     '2024-03-01 01:10:00'),
  (3, 'cy',  '2023-12-31', '2023-12-31 22:00:00',     '2024-01-01 02:00:00'),
  (4, 'dee', '2024-03-31', '2024-03-31 08:00:00.125', '2024-03-31 08:00:59.999'),
  (5, 'ada', '2021-01-03', '2021-01-03 12:00:00',     '2021-01-04 12:00:00'),
  (6, 'eve', '2024-12-30', '2024-12-30 06:05:04',     '2024-12-30 07:05:04'),
  (7, 'bob', NULL,         NULL,                      NULL),
  (8, 'cy',  '2000-01-01', '2000-01-01 00:00:01',     '2000-01-01 08:00:00'),
  (9, 'dee', '2024-07-08', '2024-07-08 13:05:09',     '2024-07-08 21:00:00');
