-- Per customer: how many orders that were not cancelled, first and last order, revenue.
CREATE TABLE customer_order_stats AS
SELECT customer_id,
       COUNT(*) AS orders,
       MIN(order_date) AS first_order,
       MAX(order_date) AS last_order,
       SUM(gross) AS revenue
FROM order_totals
WHERE status <> 'cancelled'
GROUP BY customer_id;
