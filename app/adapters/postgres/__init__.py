"""PostgreSQL adapter: pool, SQL loading, migrations, repositories."""
