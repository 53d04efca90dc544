-- Sales per category of orders that were not cancelled, with the average price paid per unit.
SELECT c.name AS category,
       COUNT(DISTINCT l.order_id) AS orders,
       SUM(l.qty) AS units,
       SUM(l.line_total) AS revenue,
       SUM(l.line_total) / SUM(l.qty) AS avg_unit_price
FROM order_lines AS l
JOIN categories AS c ON c.category_id = l.category_id
WHERE l.status <> 'cancelled'
GROUP BY c.category_id, c.name
ORDER BY c.category_id;
