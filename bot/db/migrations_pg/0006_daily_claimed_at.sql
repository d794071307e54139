-- PostgreSQL twin of migrations/0006_daily_claimed_at.sql.
ALTER TABLE daily_posts ADD COLUMN claimed_at BIGINT;
