"""E-mail notifications: assignments, due-date reminders, grading, certificates and their expiry."""
