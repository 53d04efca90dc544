-- Units per order by sales channel (whole units, as on the weekly ops slide).
SELECT o.channel,
       COUNT(DISTINCT o.order_id) AS orders,
       SUM(i.qty) AS units,
       SUM(i.qty) / COUNT(DISTINCT o.order_id) AS units_per_order
FROM orders AS o
JOIN order_items AS i ON i.order_id = o.order_id
GROUP BY o.channel
ORDER BY o.channel;
