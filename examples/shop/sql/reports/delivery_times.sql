-- Transit and lead times per carrier, in days, for delivered shipments.
SELECT s.carrier,
       COUNT(*) AS delivered,
       AVG(julianday(s.delivered_date) - julianday(s.shipped_date)) AS avg_transit_days,
       MAX(julianday(s.delivered_date) - julianday(o.order_date)) AS worst_lead_days
FROM shipments AS s
JOIN orders AS o ON o.order_id = s.order_id
WHERE s.delivered_date IS NOT NULL
GROUP BY s.carrier
ORDER BY s.carrier;
