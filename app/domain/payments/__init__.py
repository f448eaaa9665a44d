"""Payments: the forward-only life of a payment and its refunds."""
