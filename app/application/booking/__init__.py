"""Booking use cases: services, slots, holds, the appointment lifecycle, intake forms."""
