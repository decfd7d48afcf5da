"""Sign in and out, register, reset and change the password, edit the profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from course import metrics
from course.accounts import devices, service
from course.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from course.accounts.tasks import send_mail_task
from course.audit import service as audit
from course.db import utcnow
from course.extensions import db, limiter
from course.i18n import current_locale
from course.links import external_url
from course.web import safe_next_url

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _device_nonce() -> str | None:
    """The nonce of this browser's device cookie for the account being signed in to, if any."""
    return devices.trusted_nonce(
        current_app.config["SECRET_KEY"],
        request.cookies.get(devices.COOKIE_NAME),
        request.form.get("email", ""),
    )


def _account_key() -> str:
    """Wrong passwords count per account, except from a browser where the account signed in
    before: there they count per browser (device cookie), so nobody else's guesses lock it."""
    nonce = _device_nonce()
    if nonce:
        return "login-device:" + nonce
    return "login:" + service.normalise_email(request.form.get("email", ""))


def _failed(_response: object) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
@limiter.limit(
    _login_limit,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=lambda: _device_nonce() is not None,
)
def login() -> ResponseReturnValue:
    """Sign in with e-mail and password; only wrong passwords count towards the limits."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data, utcnow())
        if user is not None:
            audit.record(db.session, "sign_in.success", actor_id=user.id, subject_user_id=user.id)
            db.session.commit()
            service.begin_session(user, utcnow())
            login_user(user, remember=form.remember.data)
            target = safe_next_url(request.args.get("next")) or url_for("dashboard.index")
            response = redirect(target)
            response.set_cookie(
                devices.COOKIE_NAME,
                devices.remember(
                    current_app.config["SECRET_KEY"],
                    request.cookies.get(devices.COOKIE_NAME),
                    user.email,
                ),
                max_age=devices.MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            )
            return response
        g.login_failed = True
        metrics.SIGN_IN_FAILURES.inc()
        known = service.find_user_by_email(db.session, form.email.data)
        audit.record(
            db.session,
            "sign_in.failure",
            subject_user_id=known.id if known else None,
            details={"email": service.normalise_email(form.email.data)[:254]},
        )
        db.session.commit()
        flash(_("The email or password is not correct."), "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out of this browser: its session and remember-me cookie end on the server too."""
    if current_user.is_authenticated:
        audit.record(db.session, "sign_out", subject_user_id=current_user.id)
        lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
        service.sign_out(db.session, current_user._get_current_object(), utcnow(), lifetime)
        db.session.commit()
    logout_user()
    return redirect(url_for("dashboard.home"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create an account (when the platform allows self-registration)."""
    if not current_app.config["SELF_REGISTRATION"]:
        return render_template("accounts/register_closed.html"), 403
    form = RegisterForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        try:
            user = service.create_user(
                db.session,
                form.email.data,
                form.password.data,
                form.display_name.data,
                utcnow(),
                locale=current_locale(),
            )
        except service.AccountError:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            db.session.commit()
            service.begin_session(user, utcnow())
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("dashboard.index"))
    return render_template("accounts/register.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.find_user_by_email(db.session, form.email.data)
        if user is not None:
            token = service.make_reset_token(user, current_app.config["SECRET_KEY"])
            link = external_url("accounts.reset_password", token=token)
            hours = current_app.config["PASSWORD_RESET_HOURS"]
            send_mail_task(
                user.email,
                _("Reset your password"),
                _(
                    "Open this link to choose a new password. It works once and expires in "
                    "%(hours)d hours:\n\n%(link)s\n\nIf you did not ask for it, ignore this email.",
                    hours=hours,
                    link=link,
                ),
            )
        flash(_("If an account exists for that address, a reset link is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from a reset link."""
    secret, max_age = current_app.config["SECRET_KEY"], _reset_max_age()
    check = service.check_reset_token(db.session, token, secret, max_age)
    if check.user is None:
        return render_template("accounts/reset_invalid.html", problem=check.problem), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.reset_password(db.session, token, form.password.data, secret, max_age)
        db.session.commit()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str) -> ResponseReturnValue:
    """Choose a first password from the welcome link of an imported account."""
    secret = current_app.config["SECRET_KEY"]
    max_age = current_app.config["WELCOME_LINK_DAYS"] * 86400
    salt = service.WELCOME_SALT
    check = service.check_reset_token(db.session, token, secret, max_age, salt)
    if check.user is None:
        return render_template("accounts/reset_invalid.html", problem=check.problem), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.reset_password(db.session, token, form.password.data, secret, max_age, salt)
        db.session.commit()
        flash(_("Your password has been set. Please sign in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


def _reset_max_age() -> int:
    return current_app.config["PASSWORD_RESET_HOURS"] * 3600


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; other sessions of this account are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(db.session, current_user, form.current.data, form.password.data)
        except service.AccountError:
            form.current.errors.append(_("The current password is not correct."))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session keeps the new epoch
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    """Edit the display name and preferred language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        service.update_profile(db.session, current_user, form.display_name.data, form.locale.data)
        db.session.commit()
        session["lang"] = current_user.locale
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)
