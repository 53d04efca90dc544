-- Each customer's largest order: its value, and (SQLite's documented bare-column rule) the id
-- and date of the order that holds that maximum.
SELECT customer_id,
       MAX(gross) AS top_gross,
       order_id AS top_order_id,
       order_date AS top_order_date
FROM order_totals
GROUP BY customer_id
ORDER BY customer_id;
