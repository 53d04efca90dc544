-- Delivered orders per channel. The three apps write 'delivered', 'Delivered' and
-- 'DELIVERED'; the prefix match has always caught all three.
SELECT channel,
       COUNT(*) AS delivered_orders
FROM orders
WHERE status LIKE 'deliver%'
GROUP BY channel
ORDER BY channel;
