"""A person's own data: download everything the platform holds about them, or have it erased."""
