"""The audit trail: one append-only record of who did what, to whom, when and from where."""
