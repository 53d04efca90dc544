-- Hotel bookings with dates and times on MySQL's week-numbering and TIMESTAMPDIFF edges:
-- the days before a year's first Sunday, ISO week 53 and week 1 across year ends, month ends
-- into shorter months, spans just short of a whole hour or day.
CREATE TABLE bookings (
  id        INT PRIMARY KEY,
  guest     VARCHAR(20),
  born      DATE,
  check_in  DATE,
  check_out DATE,
  booked_at DATETIME,
  paid_at   DATETIME
);
INSERT INTO bookings VALUES
  (1, 'ada', '1990-02-28', '2024-01-31', '2024-02-29', '2024-01-10 23:30:00', '2024-01-11 01:10:00'),
  (2, 'bob', '2000-02-29', '2024-02-29', '2024-03-31', '2024-02-01 10:00:00', '2024-02-02 09:59:59'),
  (3, 'cy',  '1985-12-31', '2023-12-31', '2024-01-02', '2023-12-01 12:00:00', '2023-12-31 11:59:00'),
  (4, 'dee', '2001-03-01', '2024-12-30', '2025-01-03', '2024-11-30 08:00:00', '2024-12-01 08:00:00'),
  (5, 'eve', '1999-12-31', '2021-01-03', '2021-01-10', '2020-12-31 23:59:59', '2021-01-01 00:00:01'),
  (6, 'fay', NULL,         NULL,         NULL,         NULL,                  NULL),
  (7, 'gus', '2004-02-29', '2024-01-06', '2024-01-07', '2024-01-05 18:00:00', '2024-01-05 18:59:59'),
  (8, 'hal', '1970-01-01', '2020-12-31', '2021-01-01', '2020-12-01 00:00:00', '2021-02-28 23:00:00'),
  (9, 'ivy', '1995-05-31', '2024-05-31', '2024-06-30', '2024-05-31 12:00:00', '2024-06-30 11:00:00');

-- Dates typed into a web form and kept as text: ISO, two-digit years, slashes, compact
-- digits, a time after 'T', trailing notes, impossible days and plain junk.
CREATE TABLE guest_forms (
  id        INT PRIMARY KEY,
  arrival   VARCHAR(30),
  birthday  VARCHAR(30)
);
INSERT INTO guest_forms VALUES
  (1, '2024-03-05',          '05/03/1990'),
  (2, '24-3-5',              '5/3/90'),
  (3, '2024/03/05 14:30',    '31/12/1999'),
  (4, '20240306',            '29/02/2000'),
  (5, '2024-03-06T09:15',    ' 1 / 1 / 01'),
  (6, '2024-03-06 (late)',   'unknown'),
  (7, '2023-02-29',          '12/13/1990'),
  (8, 'tbd',                 'n/a'),
  (9, NULL,                  NULL),
  (10, '99-12-31',           '01.01.2000');
