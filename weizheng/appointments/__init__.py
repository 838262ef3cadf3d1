"""Appointments (预约): service windows with time slots, bookings, reminders and queue numbers."""
