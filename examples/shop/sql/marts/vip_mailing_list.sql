-- Envelope lines for the VIP mailing: surname in capitals as the print shop wants it.
CREATE VIEW vip_mailing_list AS
SELECT customer_id,
       upper(last_name) || ', ' || first_name AS addressee,
       email,
       city
FROM stg_customers
WHERE is_vip = 1 AND email IS NOT NULL;
