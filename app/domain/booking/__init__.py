"""Booking: services, availability, appointments and their lifecycle, refunds."""
