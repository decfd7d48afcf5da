"""The training-course platform: ``create_app`` wires configuration, extensions, blueprints,
commands and error handlers, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from types import ModuleType

    from flask_login import LoginManager


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    from course import config as settings
    from course import health, i18n, logs, metrics, web
    from course.extensions import babel, csrf, db, limiter, login_manager, migrate

    app = Flask(__name__, instance_path=str(settings.instance_path()))
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_env() if test_config is None else {})
    if test_config is not None:
        app.config.update(_test_defaults(settings))
        app.config.update(test_config)
    settings.check(app.config)
    app.config["TRUSTED_HOSTS"] = settings.trusted_hosts(app.config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", settings.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    import course.ratelimit  # noqa: F401  (registers the sqlite:// rate-limit store)
    from course import models  # noqa: F401
    from course.jobs import huey

    db.init_app(app)
    with app.app_context():
        from course.db import configure_sqlite

        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.babel_locale_selector)
    login_manager.init_app(app)
    _configure_login(login_manager)
    huey.immediate = bool(app.config.get("JOBS_IMMEDIATE"))

    logs.init_app(app)
    _connect_audit()
    metrics.init_app(app)
    health.init_app(app)
    web.init_app(app)
    _register_outcome_providers()
    _register_blueprints(app)
    _connect_listeners(app)
    _register_template_helpers(app)

    from course.cli import register_commands

    register_commands(app)
    return app


def _connect_audit() -> None:
    from course.audit import listeners, service
    from course.audit.views import web_origin

    listeners.connect()
    service.set_origin_provider(web_origin)


def _test_defaults(settings: ModuleType) -> dict[str, Any]:
    env = settings.from_env()
    env.update({"TESTING": True, "JOBS_IMMEDIATE": True, "RATELIMIT_ENABLED": False})
    return env


def _register_blueprints(app: Flask) -> None:
    # An area with several handler modules keeps its ``bp`` in ``blueprint.py``; importing each
    # handler module registers its routes on it.
    import course.accounts.admin  # noqa: F401 - each import registers routes
    import course.authoring.packageviews
    import course.authoring.quizviews
    import course.authoring.views
    import course.certificates.admin
    import course.certificates.views
    import course.orgs.members  # noqa: F401
    from course.accounts.views import bp as accounts_bp
    from course.audit.views import bp as audit_bp
    from course.authoring.blueprint import bp as authoring_bp
    from course.cases.views import bp as cases_bp
    from course.catalog.views import bp as catalog_bp
    from course.certificates.blueprint import bp as certificates_bp
    from course.dashboard.views import bp as dashboard_bp
    from course.notifications.views import bp as notifications_bp
    from course.orgs.views import bp as orgs_bp
    from course.privacy.views import bp as privacy_bp
    from course.progress.views import bp as progress_bp
    from course.quizzes.views import bp as quizzes_bp
    from course.reports.views import bp as reports_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(notifications_bp)


def _register_outcome_providers() -> None:
    """Course completion reads quiz and case outcomes through providers, so progress imports
    neither area (both report their events to progress)."""
    from course.cases.service import case_outcomes
    from course.progress import outcomes
    from course.quizzes.service import quiz_outcomes

    outcomes.register("quizzes", quiz_outcomes)
    outcomes.register("cases", case_outcomes)


def _connect_listeners(app: Flask) -> None:
    from course.certificates import listeners as certificate_listeners

    certificate_listeners.init_app(app)


def _configure_login(login_manager: LoginManager) -> None:
    from flask import current_app
    from flask_babel import lazy_gettext as _l

    from course.accounts.service import signed_in_user
    from course.db import utcnow
    from course.extensions import db

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str):
        lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
        return signed_in_user(db.session, token, utcnow(), lifetime)


def _register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from course import i18n, navigation, pagination, policy, shells

    shells.clear()
    app.jinja_env.globals.update(
        csrf_token=shells.csrf_token,
        nav_menu=navigation.menu,
        reader_name=shells.reader_name,
        localized=i18n.localized,
        current_locale=i18n.current_locale,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        can=lambda action, target=None: policy.can(current_user, action, target),
        page_url=pagination.page_url,
    )
