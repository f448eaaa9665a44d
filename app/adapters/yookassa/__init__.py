"""YooKassa: the payment provider (HTTP JSON API, no SDK)."""
