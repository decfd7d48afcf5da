"""E-mail through a real SMTP server (aiosmtpd) with STARTTLS, implicit TLS and login."""

from __future__ import annotations

import socket
import ssl
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from course import mail
from course.accounts.tasks import MAIL_RETRIES, send_mail_task
from tests.cluster.harness import self_signed

USER, PASSWORD = "mailer", "smtp-secret-1"

# With implicit TLS the whole connection is encrypted, which aiosmtpd's STARTTLS check cannot see.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and the files the client trusts."""
    return self_signed(tmp_path_factory.mktemp("tls"))


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and can refuse on demand."""

    def __init__(self):
        self.messages = []
        self.refuse_with = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        self.messages.append((session.auth_data, envelope))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture
def smtp_server(certificate):
    """Start an SMTP server on loopback; ``smtp_server(mode)`` with mode starttls or tls."""
    cert_file, key_file = certificate
    started = []

    def start(mode: str):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        inbox = Inbox()
        port = _free_port()
        options = {"authenticator": _authenticator, "auth_required": True}
        if mode == "starttls":
            controller = Controller(
                inbox, hostname="127.0.0.1", port=port, tls_context=context,
                require_starttls=True, **options,
            )  # fmt: skip
        else:
            controller = Controller(
                inbox, hostname="127.0.0.1", port=port, ssl_context=context,
                auth_require_tls=False, **options,
            )  # fmt: skip
        controller.start()
        started.append(controller)
        return inbox, port

    yield start
    for controller in started:
        controller.stop()


def _configure(app, port, mode, certificate, password=PASSWORD):
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_SECURITY=mode,
        SMTP_USER=USER,
        SMTP_PASSWORD=password,
        SMTP_CA_FILE=str(certificate[0]),
    )


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_mail_is_sent_encrypted_and_logged_in(app, db_session, smtp_server, certificate, mode):
    inbox, port = smtp_server(mode)
    _configure(app, port, mode, certificate)
    send_mail_task("lihua@example.com", "课程已分配", "请在月底前完成。")
    ((auth, envelope),) = inbox.messages
    assert auth.login == USER.encode()
    assert envelope.rcpt_tos == ["lihua@example.com"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "课程已分配"
    assert "请在月底前完成。" in message.get_content()
    assert message["Message-ID"]


def test_the_server_certificate_is_checked(app, db_session, smtp_server, certificate):
    inbox, port = smtp_server("starttls")
    _configure(app, port, "starttls", certificate)
    app.config["SMTP_CA_FILE"] = ""  # the system's CAs do not know the test certificate
    with pytest.raises(mail.MailError) as refused:
        mail.send_mail("a@example.com", "Subject", "Body")
    assert not refused.value.permanent
    assert inbox.messages == []


def test_a_wrong_password_is_temporary_so_the_job_retries(
    app, db_session, smtp_server, certificate
):
    inbox, port = smtp_server("starttls")
    _configure(app, port, "starttls", certificate, password="wrong")
    with pytest.raises(mail.MailError) as refused:
        mail.send_mail("a@example.com", "Subject", "Body")
    assert not refused.value.permanent
    # The job re-raises a temporary failure, so huey schedules a retry with a growing delay.
    with pytest.raises(mail.MailError):
        send_mail_task.call_local("a@example.com", "Subject", "Body")
    assert send_mail_task.task_class.default_retries == MAIL_RETRIES
    assert send_mail_task.task_class.default_retry_delay == 30


def test_a_permanent_refusal_is_not_retried(app, db_session, smtp_server, certificate):
    inbox, port = smtp_server("starttls")
    inbox.refuse_with = "554 5.7.1 Message rejected"
    _configure(app, port, "starttls", certificate)
    with pytest.raises(mail.MailError) as refused:
        mail.send_mail("a@example.com", "Subject", "Body")
    assert refused.value.permanent
    assert send_mail_task.call_local("a@example.com", "Subject", "Body") is None


def test_a_temporary_refusal_then_success(app, db_session, smtp_server, certificate):
    inbox, port = smtp_server("starttls")
    _configure(app, port, "starttls", certificate)
    inbox.refuse_with = "451 4.3.0 Try again later"
    with pytest.raises(mail.MailError) as refused:
        mail.send_mail("a@example.com", "Subject", "Body")
    assert not refused.value.permanent
    inbox.refuse_with = None
    assert mail.send_mail("a@example.com", "Subject", "Body") is None
    assert len(inbox.messages) == 1


def test_bad_security_setting_is_refused_at_start(make_app):
    from course.config import ConfigError

    with pytest.raises(ConfigError):
        make_app(SMTP_SECURITY="ssl3")
