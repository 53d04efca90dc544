-- Customers as the marketing tools expect them: e-mails lower-cased, stray spaces trimmed
-- from city names.
CREATE VIEW stg_customers AS
SELECT customer_id,
       first_name,
       last_name,
       lower(trim(email)) AS email,
       trim(city) AS city,
       country,
       signup_date,
       is_vip
FROM customers;
