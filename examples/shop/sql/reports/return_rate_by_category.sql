-- Returned units per category, in whole percent of units sold.
SELECT c.category_id,
       c.name AS category,
       SUM(i.qty) AS units_sold,
       COALESCE(SUM(r.qty), 0) AS units_returned,
       100 * COALESCE(SUM(r.qty), 0) / SUM(i.qty) AS return_pct
FROM order_items AS i
JOIN products AS p ON p.product_id = i.product_id
JOIN categories AS c ON c.category_id = p.category_id
LEFT JOIN returns AS r ON r.order_item_id = i.order_item_id
GROUP BY c.category_id, c.name
ORDER BY c.category_id;
