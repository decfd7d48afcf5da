"""The ``course`` command group (also reachable as ``flask --app course ...``).

Each area attaches its own group in ``register_commands``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from course.db import utcnow
from course.doctor import run as run_checks
from course.extensions import db


def register_commands(app: Flask) -> None:
    from course.i18n_cli import translations

    for command in (worker, serve, demo, create_admin, doctor, translations, backup, restore):
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
@click.option("--workers", default=2, show_default=True, help="Worker processes.")
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


def serve_commands(
    bin_dir: str, host: str, port: int, workers: int, web_only: bool
) -> list[list[str]]:
    """The processes ``course serve`` runs: gunicorn, and the job worker unless ``web_only``."""
    web = [
        os.path.join(bin_dir, "gunicorn"),
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--config",
        "python:course.gunicorn_conf",
        # nginx's proxy_read_timeout in deploy/course.nginx.conf is longer, so a slow request
        # ends here first with a logged worker timeout, not as a bare 504 at the proxy
        "--timeout",
        "60",
        "--graceful-timeout",
        "30",
        "course.wsgi:app",
    ]
    return [web] if web_only else [[os.path.join(bin_dir, "course"), "worker"], web]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, envvar="PORT")
@click.option("--workers", type=int, default=None, help="Web workers; default (2 x cores) + 1.")
@click.option(
    "--web-only",
    is_flag=True,
    help="Run the web workers without a job worker (web machines of a several-machine setup).",
)
def serve(host: str, port: int, workers: int | None, web_only: bool) -> None:
    """Serve the platform with gunicorn and run the job worker beside it; Ctrl-C stops both."""
    workers = workers or (2 * (os.cpu_count() or 1) + 1)
    # The web workers and the job worker read their settings from the environment: without
    # COURSE_BASE_URL, development links (e-mails, QR codes) follow the port served here. The
    # children get their own copy; this process's environment is left as it was.
    env = dict(os.environ, PORT=str(port))
    bin_dir = os.path.dirname(sys.executable)
    # One folder for every process's metrics on this machine (course/metrics.py).
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="course-metrics-"))
    if not web_only:
        env["COURSE_METRICS_KEEP"] = "1"  # the job worker starts first and writes there too
    children = [
        subprocess.Popen(command, env=env)
        for command in serve_commands(bin_dir, host, port, workers, web_only)
    ]
    jobs = "no job worker" if web_only else "one job worker"
    click.echo(f"Serving on http://{host}:{port} with {workers} workers and {jobs}; Ctrl-C stops.")

    def stop(*_args):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                children[-1].wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            child.wait(timeout=30)


@click.command()
@with_appcontext
def doctor() -> None:
    """Check this machine against the deployment (database, Redis, store, secret, settings);
    print what is wrong and how to fix it. Exit status 1 on any problem."""
    findings = run_checks(current_app)
    click.echo(f"course doctor on {socket.gethostname()}:")
    for finding in findings:
        mark = "ok     " if finding.ok else "PROBLEM"
        click.echo(f"  {mark}  {finding.area:<9} {finding.message}")
        if finding.fix:
            click.echo(f"  {'':7}  {'':<9} fix: {finding.fix}")
    problems = sum(not finding.ok for finding in findings)
    if problems:
        click.echo(f"{problems} problem(s) found.")
        raise SystemExit(1)
    click.echo("No problems found.")


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
def backup(destination: Path) -> None:
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
def restore(source: Path, force: bool) -> None:
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
