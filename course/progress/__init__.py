"""Enrolments, lesson progress, course completion and learning records."""
