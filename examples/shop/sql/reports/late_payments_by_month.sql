-- Late payments per due month, from the payment terms view.
SELECT strftime('%Y-%m', due_date) AS due_month,
       COUNT(*) AS payments,
       SUM(late) AS late_payments
FROM payment_terms
GROUP BY strftime('%Y-%m', due_date)
ORDER BY due_month;
