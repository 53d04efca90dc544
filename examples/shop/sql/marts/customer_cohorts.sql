-- Sign-up cohorts by month: size, VIPs and the VIP share in whole percent.
CREATE TABLE customer_cohorts AS
SELECT date(signup_date, 'start of month') AS cohort_month,
       COUNT(*) AS customers,
       SUM(is_vip) AS vips,
       100 * SUM(is_vip) / COUNT(*) AS vip_pct
FROM customers
GROUP BY date(signup_date, 'start of month');
