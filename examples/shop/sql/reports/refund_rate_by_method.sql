-- Refunds per thousand payments, by payment method as recorded.
SELECT method,
       COUNT(*) AS payments,
       SUM(is_refunded) AS refunds,
       1000 * SUM(is_refunded) / COUNT(*) AS refunds_per_mille
FROM payments
GROUP BY method
ORDER BY method;
