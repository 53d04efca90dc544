-- Lifetime value: everything a customer paid and did not get refunded (0.0 for customers who
-- never paid), with the name for the account managers' sheet.
CREATE VIEW customer_ltv AS
SELECT c.customer_id,
       c.first_name,
       c.last_name,
       c.is_vip,
       TOTAL(p.amount) AS lifetime_paid,
       COUNT(p.payment_id) AS payments
FROM stg_customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.customer_id
LEFT JOIN payments AS p ON p.order_id = o.order_id AND p.is_refunded = 0
GROUP BY c.customer_id, c.first_name, c.last_name, c.is_vip;
