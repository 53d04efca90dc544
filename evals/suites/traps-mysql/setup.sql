-- A small MySQL/MariaDB shop, in the case-insensitive, PAD SPACE collation most MySQL
-- codebases were written against (the harness creates the database as utf8mb4_general_ci).
CREATE TABLE customers (
  id      INT PRIMARY KEY,
  name    VARCHAR(40),
  email   VARCHAR(80),
  tier    ENUM('gold', 'silver', 'bronze'),   -- sorts by declaration order, not by text
  joined  DATE
);
INSERT INTO customers VALUES
  (1, 'Ada',  'ada@example.com',  'silver', '2024-01-31'),
  (2, 'ada',  'ADA@example.com',  'gold',   '2024-02-29'),
  (3, 'Bob ', 'bob@example.com',  'bronze', '2023-12-31'),
  (4, 'Cy',   NULL,               'gold',   '2024-03-03'),
  (5, 'élan', 'elan@example.com', NULL,     '2024-12-30'),
  (6, 'BOB',  'bob@other.org',    'silver', '2024-01-01');

CREATE TABLE orders (
  id          INT PRIMARY KEY,
  customer_id INT,
  qty         INT,
  price       DECIMAL(10,2),
  ratio       DOUBLE,
  note        VARCHAR(200)
);
INSERT INTO orders VALUES
  (1, 1, 7,  9.99,  2.5,  'gift'),
  (2, 1, 4,  19.50, 3.5,  'Gift wrap'),
  (3, 2, 5,  5.00,  -2.5, NULL),
  (4, 3, 3,  1.25,  0.5,  'express'),
  (5, 4, 2,  100.00, NULL, 'EXPRESS'),
  (6, 2, 1,  3.10,  1.5,  'été'),
  (7, 6, 10, 0.30,  7.5,  'gift');

CREATE TABLE words (id INT PRIMARY KEY, w VARCHAR(20));
INSERT INTO words
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
  SELECT i, CONCAT('word', LPAD(i, 4, '0')) FROM n;

-- A ledger for the numeric traps: decimals whose quotients keep scale + 4, numeric-prefix codes.
CREATE TABLE ledger (
  id     INT PRIMARY KEY,
  grp    INT,
  code   VARCHAR(20),                  -- '12abc' + 1 is 13 in MySQL
  amount DECIMAL(10,2),
  units  INT,
  rate   DOUBLE
);
INSERT INTO ledger VALUES
  (1, 1, '12abc', 10.00,  3,  2.5),
  (2, 1, '7',     1.50,   7,  3.5),
  (3, 2, 'abc',   -10.01, -3, -2.5),
  (4, 2, ' 40',   2.00,   0,  0.5),
  (5, 3, NULL,    0.05,   9,  NULL),
  (6, 3, '1e2',   99.99,  11, 7.5),
  (7, 4, '010',   5.00,   2,  1.5);
