-- The twenty VIP customers who paid the most, with their order history. Sorted on the amount
-- rounded to cents, then the id: float sums may differ in the last bit between engines, and
-- customers who paid the same must still come out in one order.
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
ORDER BY ROUND(l.lifetime_paid, 2) DESC, l.customer_id
LIMIT 20;
