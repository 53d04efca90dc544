-- Shop database (SQLite), as the legacy back office left it: declared types are hints only,
-- dates are ISO text, booleans are 0/1, statuses and payment methods were written by several
-- apps with different casing. Every row is derived from its number -- no random() -- so the
-- database is the same on every machine.

PRAGMA foreign_keys = OFF;

CREATE TABLE categories (
    category_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   INTEGER
);

CREATE TABLE products (
    product_id  INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    name        TEXT NOT NULL,
    list_price  REAL NOT NULL,
    cost        NUMERIC(10,2),
    weight_g    INTEGER,
    is_active   BOOLEAN NOT NULL,
    created_at  DATETIME NOT NULL
);

CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    email       TEXT,
    city        TEXT,
    country     TEXT NOT NULL,
    signup_date DATE NOT NULL,
    is_vip      BOOLEAN NOT NULL
);

CREATE TABLE orders (
    order_id     INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL,
    order_date   DATE NOT NULL,
    created_at   DATETIME NOT NULL,
    status       TEXT NOT NULL,
    channel      TEXT NOT NULL,
    discount_pct INTEGER NOT NULL
);

CREATE TABLE order_items (
    order_item_id INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL,
    product_id    INTEGER NOT NULL,
    qty           INTEGER NOT NULL,
    unit_price    REAL NOT NULL
);

CREATE TABLE payments (
    payment_id  INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    paid_at     DATETIME NOT NULL,
    amount      NUMERIC(10,2) NOT NULL,
    method      TEXT NOT NULL,
    is_refunded BOOLEAN NOT NULL
);

CREATE TABLE shipments (
    shipment_id    INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL,
    carrier        TEXT NOT NULL,
    shipped_date   DATE NOT NULL,
    delivered_date DATE
);

CREATE TABLE returns (
    return_id     INTEGER PRIMARY KEY,
    order_item_id INTEGER NOT NULL,
    return_date   DATE NOT NULL,
    reason        TEXT NOT NULL,
    qty           INTEGER NOT NULL
);

INSERT INTO categories (category_id, name, parent_id) VALUES
    (1, 'Kitchen', NULL), (2, 'Cookware', 1), (3, 'Tableware', 1), (4, 'Garden', NULL),
    (5, 'Tools', 4), (6, 'Outdoor furniture', 4), (7, 'Office', NULL), (8, 'Stationery', 7);

-- 60 products; prices end in .99/.49/.24 so several sit just under a 25.00 price band.
INSERT INTO products
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 60)
SELECT n,
       1 + (n * 5) % 8,
       CASE WHEN n % 6 = 0 THEN 'sku-' ELSE 'SKU-' END || printf('%04d', n * 7),
       CASE n % 5 WHEN 0 THEN 'Basic ' WHEN 1 THEN 'Pro ' WHEN 2 THEN 'Eco ' WHEN 3 THEN 'Mini '
                  ELSE 'Classic ' END
         || CASE 1 + (n * 5) % 8 WHEN 1 THEN 'kettle' WHEN 2 THEN 'pan' WHEN 3 THEN 'plate'
                  WHEN 4 THEN 'planter' WHEN 5 THEN 'trowel' WHEN 6 THEN 'bench'
                  WHEN 7 THEN 'lamp' ELSE 'notebook' END || ' ' || n,
       ((n * 53) % 120) + CASE n % 3 WHEN 0 THEN 0.99 WHEN 1 THEN 0.49 ELSE 0.24 END,
       round((((n * 53) % 120) + 0.5) * 0.55, 2),
       CASE WHEN n % 17 = 0 THEN NULL ELSE 40 + (n * 73) % 960 END,
       CASE WHEN n % 9 = 0 THEN 0 ELSE 1 END,
       datetime('2022-01-03 09:00:00', '+' || (n * 5) || ' days', '+' || ((n * 37) % 600) || ' minutes')
FROM seq;

-- 400 customers: mixed-case e-mails, a few without e-mail or city, trailing spaces in cities,
-- non-ASCII surnames.
INSERT INTO customers
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 400)
SELECT n,
       CASE n % 12 WHEN 0 THEN 'Anna' WHEN 1 THEN 'Ben' WHEN 2 THEN 'Chloé' WHEN 3 THEN 'David'
                   WHEN 4 THEN 'Emma' WHEN 5 THEN 'François' WHEN 6 THEN 'Greta' WHEN 7 THEN 'Hugo'
                   WHEN 8 THEN 'Inès' WHEN 9 THEN 'Jonas' WHEN 10 THEN 'Kai' ELSE 'Léa' END,
       CASE (n * 7) % 15 WHEN 0 THEN 'Smith' WHEN 1 THEN 'Müller' WHEN 2 THEN 'Garcia'
                   WHEN 3 THEN 'Østergaard' WHEN 4 THEN 'Brown' WHEN 5 THEN 'Dubois'
                   WHEN 6 THEN 'Rossi' WHEN 7 THEN 'Nováková' WHEN 8 THEN 'Jensen'
                   WHEN 9 THEN 'Łukasik' WHEN 10 THEN 'Novak' WHEN 11 THEN 'Schmidt'
                   WHEN 12 THEN 'Lefèvre' WHEN 13 THEN 'Costa' ELSE 'Weber' END,
       CASE WHEN n % 41 = 0 THEN NULL
            ELSE CASE WHEN n % 4 = 1 THEN 'C' ELSE 'c' END || 'ustomer' || n
                 || CASE n % 6 WHEN 0 THEN '@example.com' WHEN 1 THEN '@Example.com'
                               WHEN 2 THEN '@EXAMPLE.COM' WHEN 3 THEN '@mail.test'
                               WHEN 4 THEN '@Mail.Test' ELSE '@shop.example' END END,
       CASE WHEN n % 29 = 0 THEN NULL
            ELSE CASE n % 7 WHEN 0 THEN 'Berlin' WHEN 1 THEN 'Paris' WHEN 2 THEN 'Lisbon '
                            WHEN 3 THEN 'Madrid' WHEN 4 THEN 'Rome' WHEN 5 THEN 'Berlin '
                            ELSE 'Oslo' END END,
       CASE n % 7 WHEN 0 THEN 'DE' WHEN 1 THEN 'FR' WHEN 2 THEN 'PT' WHEN 3 THEN 'ES'
                  WHEN 4 THEN 'IT' WHEN 5 THEN 'DE' ELSE 'NO' END,
       date('2022-06-01', '+' || ((n * 11) % 540) || ' days'),
       CASE WHEN n % 11 = 0 THEN 1 ELSE 0 END
FROM seq;

-- 3000 orders over two years; statuses typed by three different apps.
INSERT INTO orders
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 3000)
SELECT n,
       1 + (n * 7919) % 400,
       date('2023-01-01', '+' || ((n * 37) % 730) || ' days'),
       date('2023-01-01', '+' || ((n * 37) % 730) || ' days') || ' '
         || printf('%02d:%02d:%02d', (n * 7) % 24, (n * 13) % 60, (n * 29) % 60),
       CASE WHEN n % 20 IN (0, 1) THEN 'cancelled'
            WHEN n % 20 IN (2, 3) THEN 'pending'
            WHEN n % 20 IN (4, 5, 6) THEN 'shipped'
            ELSE CASE n % 3 WHEN 0 THEN 'delivered' WHEN 1 THEN 'Delivered' ELSE 'DELIVERED' END
       END,
       CASE n % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'app' WHEN 2 THEN 'store' ELSE 'web' END,
       CASE WHEN n % 10 = 0 THEN 15 WHEN n % 5 = 0 THEN 5 ELSE 0 END
FROM seq;

-- 1 to 4 lines per order. The order_id / 97 term keeps a customer's orders from repeating the
-- same basket (every 1200th order would otherwise be identical), so no customer has two
-- orders of the same value.
INSERT INTO order_items
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 4)
SELECT o.order_id * 10 + k.k,
       o.order_id,
       1 + (o.order_id * 31 + k.k * 17 + o.order_id / 97) % 60,
       1 + (o.order_id + k.k * 3 + o.order_id / 89) % 5,
       p.list_price
FROM orders AS o
JOIN k ON k.k <= 1 + (o.order_id * 3 + o.order_id / 53) % 4
JOIN products AS p ON p.product_id = 1 + (o.order_id * 31 + k.k * 17 + o.order_id / 97) % 60;

-- One payment per order that was not cancelled; a few refunded; some paid late.
INSERT INTO payments
SELECT o.order_id,
       o.order_id,
       datetime(o.created_at, '+' || ((o.order_id * 7) % 45) || ' days',
                '+' || ((o.order_id * 11) % 300) || ' minutes'),
       (SELECT round(SUM(i.qty * i.unit_price) * (100 - o.discount_pct) / 100.0, 2)
          FROM order_items AS i WHERE i.order_id = o.order_id),
       CASE o.order_id % 5 WHEN 0 THEN 'card' WHEN 1 THEN 'Card' WHEN 2 THEN 'paypal'
                           WHEN 3 THEN 'bank_transfer' ELSE 'card' END,
       CASE WHEN o.order_id % 13 = 0 THEN 1 ELSE 0 END
FROM orders AS o
WHERE o.status <> 'cancelled';

-- Shipments for shipped and delivered orders; delivered ones have a delivery date.
INSERT INTO shipments
SELECT o.order_id,
       o.order_id,
       CASE o.order_id % 3 WHEN 0 THEN 'DHL' WHEN 1 THEN 'UPS' ELSE 'PostNL' END,
       date(o.order_date, '+' || (1 + o.order_id % 4) || ' days'),
       CASE WHEN lower(o.status) = 'delivered'
            THEN date(o.order_date, '+' || (1 + o.order_id % 4 + 2 + (o.order_id * 7) % 6) || ' days')
       END
FROM orders AS o
WHERE lower(o.status) IN ('shipped', 'delivered');

-- Returns of about one delivered line in seventeen.
INSERT INTO returns
SELECT i.order_item_id,
       i.order_item_id,
       date(o.order_date, '+' || (10 + i.order_item_id % 20) || ' days'),
       CASE i.order_item_id % 4 WHEN 0 THEN 'damaged' WHEN 1 THEN 'Wrong size'
                                WHEN 2 THEN 'not as described' ELSE 'DAMAGED' END,
       1 + (i.qty > 2 AND i.order_item_id % 2 = 0)
FROM order_items AS i
JOIN orders AS o ON o.order_id = i.order_id
WHERE lower(o.status) = 'delivered' AND i.order_item_id % 17 = 0;
