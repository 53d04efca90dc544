-- Payment terms: every paid order is due 30 days after ordering; month_end is the booking
-- period's last day; late = paid after the due date.
CREATE VIEW payment_terms AS
SELECT o.order_id,
       o.order_date,
       date(o.order_date, '+30 days') AS due_date,
       date(o.order_date, 'start of month', '+1 month', '-1 day') AS month_end,
       date(p.paid_at) AS paid_on,
       CASE WHEN date(p.paid_at) > date(o.order_date, '+30 days') THEN 1 ELSE 0 END AS late
FROM orders AS o
JOIN payments AS p ON p.order_id = o.order_id;
