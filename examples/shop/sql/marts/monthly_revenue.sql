-- Monthly revenue of orders that were not cancelled, with the average basket in whole units
-- (the finance sheet has always shown whole units).
CREATE TABLE monthly_revenue AS
SELECT substr(order_date, 1, 7) AS month,
       COUNT(*) AS orders,
       SUM(gross) AS revenue,
       SUM(units) / COUNT(*) AS avg_units
FROM order_totals
WHERE status <> 'cancelled'
GROUP BY substr(order_date, 1, 7);
