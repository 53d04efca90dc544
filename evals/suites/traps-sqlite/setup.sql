-- A small legacy SQLite shop. Values are chosen to sit on the semantic edges of SQLite:
-- integer maths, dynamic typing, NOCASE collation, ASCII-only case folding, text dates.
CREATE TABLE customers (
  id      INTEGER PRIMARY KEY,
  name    TEXT COLLATE NOCASE,       -- case-insensitive in SQLite; plain text elsewhere
  city    TEXT,
  code    TEXT,                      -- numeric-looking codes kept as text ('007')
  joined  TEXT                       -- ISO dates as text, the SQLite way
);
INSERT INTO customers VALUES
  (1, 'Ada',   'Zürich', '007', '2024-01-31'),
  (2, 'ada',   'élan',   '10',  '2024-02-29'),
  (3, 'BOB',   'Oslo',   '9',   '2023-12-31'),
  (4, 'Cy',    NULL,     '7',   '2024-03-01'),
  (5, NULL,    'Åre',    '70',  NULL),
  (6, 'bob',   'oslo',   '010', '2024-07-04');

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER,
  qty         INTEGER,
  price       REAL,
  discount    REAL,
  note        TEXT
);
INSERT INTO orders VALUES
  (1, 1, 7,  9.99,  2.5,  'Gift'),
  (2, 1, 4,  19.5,  2.7,  'gift wrap'),
  (3, 2, -7, 5.0,   -2.5, NULL),
  (4, 3, 3,  1.25,  0.1,  'express'),
  (5, 4, 2,  100.0, NULL, 'EXPRESS'),
  (6, 2, 5,  3.1,   0.2,  'été'),
  (7, 6, 1,  0.3,   7.5,  'gift');

-- Readings for the numeric traps: reals that truncate, text with a numeric prefix, a batch key.
CREATE TABLE readings (
  id     INTEGER PRIMARY KEY,
  site   TEXT,
  raw    TEXT,                       -- '12.5kg': SQLite reads its numeric prefix
  level  REAL,
  batch  INTEGER
);
INSERT INTO readings VALUES
  (1, 'north', '12.5kg', 2.5,  1),
  (2, 'north', '7',      -2.5, 1),
  (3, 'south', 'abc',    3.7,  2),
  (4, 'south', ' 40',    -3.7, 2),
  (5, 'east',  NULL,     0.5,  3),
  (6, 'east',  '1e2',    7.25, 3),
  (7, 'west',  '-3.5x',  9.99, 4);
-- Codes whose column collations carry the meaning: RTRIM ignores trailing spaces, NOCASE
-- folds ASCII case but keeps them.
CREATE TABLE codes (
  id     INTEGER PRIMARY KEY,
  code   TEXT COLLATE RTRIM,
  label  TEXT COLLATE NOCASE
);
INSERT INTO codes VALUES
  (1, 'A1  ', 'Alpha'),
  (2, 'A1',   'ALPHA'),
  (3, 'b2 ',  'beta'),
  (4, 'B2',   'Beta '),
  (5, NULL,   'gamma');
