"""E-mail channel: SMTP for real deliveries, the console for local runs."""
