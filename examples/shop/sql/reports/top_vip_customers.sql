-- The twenty VIP customers who paid the most, with their order history.
SELECT l.customer_id,
       l.first_name,
       l.last_name,
       l.lifetime_paid,
       s.orders,
       s.first_order,
       s.last_order
FROM customer_ltv AS l
JOIN customer_order_stats AS s ON s.customer_id = l.customer_id
WHERE l.is_vip = 1
ORDER BY l.lifetime_paid DESC, l.customer_id
LIMIT 20;
