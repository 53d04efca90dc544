-- Active products per 25.00 price band (0-24.99, 25-49.99, ...).
SELECT CAST(list_price / 25 AS INTEGER) * 25 AS band_from,
       COUNT(*) AS products,
       MIN(list_price) AS cheapest,
       MAX(list_price) AS dearest
FROM products
WHERE is_active = 1
GROUP BY CAST(list_price / 25 AS INTEGER)
ORDER BY band_from;
