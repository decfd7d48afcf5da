"""The certificates blueprint and the loaders its handler modules share.

``views.py`` (the trainee's certificates, public verification) and ``admin.py`` (the
organisation admin's pages) register their handlers on ``bp``; ``create_app`` imports both
before registering it.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from course.certificates import service
from course.orgs.views import org_or_404

__all__ = ["bp", "issuing_config", "org_or_404"]

bp = Blueprint("certificates", __name__)


def issuing_config() -> service.IssuingConfig:
    """The issuing configuration (secret, base URL, template folder) of the running app."""
    return service.config_from(current_app.config)
