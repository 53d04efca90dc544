-- A small PostgreSQL reporting schema whose values sit on PostgreSQL's semantic edges:
-- integer division, float rounding (rint), char(n) padding, float4 arithmetic, to_char.
CREATE TABLE accounts (
  id       integer PRIMARY KEY,
  code     char(6),              -- blank-padded: trailing blanks are insignificant here
  owner    varchar(40),
  balance  numeric(12,2),
  ratio    double precision,
  weight   real,                 -- float4: arithmetic stays in single precision
  opened   date,
  seen_at  timestamp
);
INSERT INTO accounts VALUES
  (1, 'AB',     'Ada',   100.50, 2.5,  0.1,  '2024-01-31', '2024-01-31 10:15:00.6'),
  (2, 'ABC',    'bob',   -20.25, 3.5,  0.2,  '2024-02-29', '2024-02-29 23:59:59.5'),
  (3, 'X',      'Cy',    0.00,   -2.5, 1.3,  '2023-12-31', '2023-12-31 00:00:00'),
  (4, 'LONGER', NULL,    7.00,   0.5,  2.7,  '2024-03-01', NULL),
  (5, 'Q',      'Dee',   3.33,   NULL, NULL, NULL,         '2024-07-04 12:00:00.25');

CREATE TABLE movements (
  id         integer PRIMARY KEY,
  account_id integer,
  qty        integer,
  amount     numeric(10,2)
);
INSERT INTO movements VALUES
  (1, 1, 7, 10.00), (2, 1, -7, 2.50), (3, 2, 3, 4.75), (4, 3, 10, 1.00),
  (5, 3, -3, 0.10), (6, 4, 1, 99.99), (7, 5, 5, NULL);

CREATE TABLE labels (id integer PRIMARY KEY, tag text);
INSERT INTO labels VALUES (1, 'A_B'), (2, 'AxB'), (3, 'A\B'), (4, '50%'), (5, '5000');

-- Samples for the numeric traps: integer scores (halves when averaged), a decimal amount.
CREATE TABLE samples (
  id     integer PRIMARY KEY,
  grp    integer,
  name   text,
  score  integer,
  amount numeric(10,2)
);
INSERT INTO samples VALUES
  (1, 1, 'a', 2, 1.50), (2, 1, 'b', 3, 2.50), (3, 2, 'c', 5, 0.25), (4, 2, 'd', -8, -1.75),
  (5, 3, 'e', 7, NULL), (6, 3, 'f', NULL, 3.00), (7, 4, 'g', 1, 0.10), (8, 4, 'h', 2, 0.20);
