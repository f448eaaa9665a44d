"""Encryption of P2 data at rest."""
