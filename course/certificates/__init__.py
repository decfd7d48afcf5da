"""Certificates: templates, signed Open Badges 3.0 credentials in PDF/A-3b, verification."""
