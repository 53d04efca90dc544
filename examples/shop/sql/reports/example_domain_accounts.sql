-- Accounts on the example.com domain (test and demo logins) to exclude from campaigns. The
-- sign-up form kept whatever casing people typed.
SELECT customer_id,
       email,
       signup_date
FROM customers
WHERE email LIKE '%@example.com'
ORDER BY customer_id;
