-- One row per order line, with the order's header fields and the product's category.
CREATE VIEW order_lines AS
SELECT i.order_item_id,
       i.order_id,
       o.customer_id,
       o.order_date,
       o.status,
       o.channel,
       i.product_id,
       p.category_id,
       i.qty,
       i.unit_price,
       i.qty * i.unit_price AS line_total
FROM order_items AS i
JOIN orders AS o ON o.order_id = i.order_id
JOIN products AS p ON p.product_id = i.product_id;
