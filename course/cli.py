"""The ``course`` command group (also reachable as ``flask --app course ...``).

Each area attaches its own group in ``register_commands``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from course.db import utcnow
from course.extensions import db


def register_commands(app: Flask) -> None:
    from course.i18n_cli import translations

    for command in (worker, serve, demo, create_admin, translations, backup, restore):
        app.cli.add_command(command)
    from course.authoring.cli import authoring
    from course.catalog.cli import content
    from course.certificates.cli import certificates
    from course.progress.cli import records
    from course.quizzes.cli import quiz

    app.cli.add_command(authoring)
    app.cli.add_command(content)
    app.cli.add_command(certificates)
    app.cli.add_command(records)
    app.cli.add_command(quiz)


@click.command()
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT (machines without a web node).",
)
def worker(workers: int, metrics_port: int | None) -> None:
    """Run the background job worker until interrupted."""
    from course.worker import run_worker

    if metrics_port:
        from course.metrics import serve_worker_metrics

        serve_worker_metrics(metrics_port)
    run_worker(workers)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, envvar="PORT")
@click.option("--workers", type=int, default=None, help="Web workers; default (2 x cores) + 1.")
def serve(host: str, port: int, workers: int | None) -> None:
    """Serve the platform with gunicorn and run the job worker beside it; Ctrl-C stops both."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import tempfile

    workers = workers or (2 * (os.cpu_count() or 1) + 1)
    # The web workers and the job worker read their settings from the environment: without
    # COURSE_BASE_URL, development links (e-mails, QR codes) follow the port served here.
    os.environ["PORT"] = str(port)
    bin_dir = os.path.dirname(sys.executable)
    # One folder for every process's metrics on this machine (course/metrics.py).
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="course-metrics-"))
    os.environ["COURSE_METRICS_KEEP"] = "1"  # the job worker starts first and writes there too
    children = [
        subprocess.Popen([os.path.join(bin_dir, "course"), "worker"]),
        subprocess.Popen(
            [
                os.path.join(bin_dir, "gunicorn"),
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--config",
                "python:course.gunicorn_conf",
                "course.wsgi:app",
            ]
        ),
    ]
    click.echo(f"Serving on http://{host}:{port} with {workers} workers; Ctrl-C stops.")

    def stop(*_args):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                children[1].wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            child.wait(timeout=30)


DEMO_PASSWORD = "demo-pass-2026"
DEMO_PEOPLE = (
    ("admin@demo.example.com", "平台管理员 Platform Admin", None),
    ("orgadmin@demo.example.com", "机构管理员 Org Admin", "org_admin"),
    ("instructor@demo.example.com", "讲师 李老师", "instructor"),
    ("trainee1@demo.example.com", "学员 王小明", "trainee"),
    ("trainee2@demo.example.com", "Trainee Emma Clark", "trainee"),
)


@click.command()
@with_appcontext
def demo() -> None:
    """Create the demo organisation and accounts on an empty database, and print the logins."""
    from sqlalchemy import func, select

    from course.accounts.models import User
    from course.accounts.service import create_user
    from course.orgs.service import add_member, create_organisation

    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Accounts already exist; no demo accounts created.")
        return
    now = utcnow()
    org = create_organisation(
        db.session,
        "demo-centre",
        {"zh-CN": "示范市政务服务中心", "en": "Demo City Government Service Centre"},
        now,
        signatory_name="陈明 Chen Ming",
        signatory_title={"zh-CN": "中心主任", "en": "Director"},
    )
    for email, name, role in DEMO_PEOPLE:
        user = create_user(
            db.session, email, DEMO_PASSWORD, name, now, is_platform_admin=role is None
        )
        if role:
            add_member(db.session, org, user, role, now)
    db.session.commit()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, role in DEMO_PEOPLE:
        click.echo(f"  {email:<30} {role or 'platform_admin':<15} {name}")


@click.command("create-admin")
@click.argument("email")
@click.password_option()
@with_appcontext
def create_admin(email: str, password: str) -> None:
    """Create a platform administrator."""
    from course.accounts.service import create_user

    create_user(db.session, email, password, email.split("@")[0], utcnow(), is_platform_admin=True)
    db.session.commit()
    click.echo(f"Platform admin {email} created.")


def _backup_context():
    from flask import current_app

    from course import storage

    config = current_app.config
    secret_file = Path(config["INSTANCE_PATH"]) / "secret_key"
    from_file = secret_file.is_file() and secret_file.read_text().strip() == config["SECRET_KEY"]
    return {
        "engine": db.engine,
        "url": config["SQLALCHEMY_DATABASE_URI"],
        "store": storage.current(),
        "instance": Path(config["INSTANCE_PATH"]),
    }, not from_file


@click.command()
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup(destination) -> None:
    """Write a consistent backup (database, file store, secret key, manifest) to a new folder."""
    from course.backup import BackupError
    from course.backup import backup as make_backup

    context, secret_from_env = _backup_context()
    try:
        outcome = make_backup(destination, secret_from_env=secret_from_env, **context)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Backup written to {outcome.folder} ({outcome.files} stored files).")


@click.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace the data of a non-empty installation.")
@with_appcontext
def restore(source, force: bool) -> None:
    """Restore a backup folder into this (empty) installation."""
    from course.backup import BackupError
    from course.backup import restore as restore_backup

    context, _ = _backup_context()
    try:
        outcome = restore_backup(source, force=force, **context)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Restored {source} ({outcome.files} stored files).")


def _create_app(*_args):
    from course import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Manage the training-course platform."""
