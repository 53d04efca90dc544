-- Order headers with their totals. The header fields are listed bare next to the aggregates:
-- they are determined by order_id, which SQLite accepts without further ado.
CREATE VIEW order_totals AS
SELECT order_id,
       customer_id,
       order_date,
       status,
       channel,
       COUNT(*) AS n_lines,
       SUM(qty) AS units,
       ROUND(SUM(line_total), 2) AS gross
FROM order_lines
GROUP BY order_id;
