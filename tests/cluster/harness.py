"""The cluster of the CI's third stage, on loopback: what docs/operations.md tells operators to run.

- PostgreSQL (the stage runs inside ``.ci/with-postgres``), Debian's ``redis-server`` with an
  append-only file, moto's S3-compatible server, an SMTP sink;
- two web nodes, ``course serve --web-only`` (gunicorn), each with its own instance folder;
- two job workers, ``course worker``, each with its own instance folder;
- Debian's nginx with ``deploy/course.nginx.conf`` (rendered by ``deploy/render-nginx``) in front
  of the web nodes, terminating TLS with a throwaway certificate.

Every node gets the same settings (``COURSE_ENV=production``, secret, base URL, database, Redis,
store, SMTP, ``COURSE_TRUSTED_PROXIES=1``) and nothing else in common.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cluster.smtp_sink import SMTPSink
from tests.conftest import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "cluster-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
BUCKET = "course-cluster"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and ``127.0.0.1`` (the base URL and the address used)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.pem", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Node:
    name: str
    command: list[str]
    instance: Path
    port: int | None = None
    process: subprocess.Popen | None = None
    log: Path = field(default_factory=Path)

    def start(self, env: dict) -> None:
        self.instance.mkdir(parents=True, exist_ok=True)
        self.log = self.instance.parent / f"{self.name}.log"
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            env={**env, "COURSE_INSTANCE_PATH": str(self.instance)},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the whole node
            cwd=self.instance,
        )

    def kill(self) -> None:
        """SIGKILL the node: gunicorn's master and every worker at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


class Cluster:
    def __init__(self, root: Path, database_url: str, s3_endpoint: str) -> None:
        self.root = root
        self.database_url = database_url
        self.s3_endpoint = s3_endpoint
        self.redis = RedisServer(self._folder("redis"))
        self.smtp = SMTPSink()
        self.nginx_port = free_port()
        self.url = f"https://127.0.0.1:{self.nginx_port}"  # where the tests send requests
        self.base_url = f"https://localhost:{self.nginx_port}"  # COURSE_BASE_URL: same nginx
        self.cert, self.key = self_signed(self._folder("tls"))
        aws_config = root / "aws-config"
        aws_config.write_text("[default]\ns3 =\n    addressing_style = path\n")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "AWS_"))},
            "COURSE_ENV": "production",
            "COURSE_SECRET_KEY": SECRET,
            "COURSE_BASE_URL": self.base_url,
            "COURSE_DATABASE_URL": database_url,
            "COURSE_REDIS_URL": self.redis.url,
            "COURSE_FILES_URL": f"s3://{BUCKET}/files",
            "COURSE_TRUSTED_PROXIES": "1",
            "COURSE_SMTP_HOST": "127.0.0.1",
            "COURSE_SMTP_PORT": str(self.smtp.port),
            # every test client signs in from 127.0.0.1; the limit itself is tested elsewhere
            "COURSE_LOGIN_LIMIT": "1000 per minute",
            "AWS_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "cluster-access-key",
            "AWS_SECRET_ACCESS_KEY": "cluster-secret-key",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(aws_config),
        }
        web = [str(BIN / "course"), "serve", "--web-only", "--host", "127.0.0.1", "--workers", "2"]
        ports = [free_port(), free_port()]
        self.web = {
            name: Node(name, web + ["--port", str(port)], root / name / "instance", port)
            for name, port in zip(("web-a", "web-b"), ports, strict=True)
        }
        worker = [str(BIN / "course"), "worker", "--workers", "2"]
        self.workers = {
            name: Node(name, worker, root / name / "instance") for name in ("worker-1", "worker-2")
        }
        self.nginx: subprocess.Popen | None = None

    def _folder(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # -- start and stop -------------------------------------------------------------------

    def start(self) -> None:
        self.redis.start()
        self._bucket()
        self._reset_database()
        self.migrate()
        for node in [*self.web.values(), *self.workers.values()]:
            node.start(self.env)
        for node in self.web.values():
            self._wait(f"http://127.0.0.1:{node.port}/login", node)
        self._start_nginx()

    def stop(self) -> None:
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=30)
        for node in [*self.web.values(), *self.workers.values()]:
            node.stop()
        self.redis.stop()
        self.smtp.stop()

    def _bucket(self) -> None:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id="cluster-access-key",
            aws_secret_access_key="cluster-secret-key",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)

    def _reset_database(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()

    def run(self, *args: str, instance: str = "admin") -> subprocess.CompletedProcess:
        """A command on a machine of the cluster (its own instance folder, the shared env)."""
        folder = self._folder(instance) / "instance"
        return subprocess.run(
            list(args),
            env={**self.env, "COURSE_INSTANCE_PATH": str(folder)},
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )

    def migrate(self) -> None:
        done = self.run(str(BIN / "flask"), "--app", "course", "db", "upgrade")
        assert done.returncode == 0, done.stderr[-3000:]

    def _wait(self, url: str, node: Node, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or (node.process and node.process.poll() is not None):
                raise RuntimeError(f"{node.name} did not start: {node.log.read_text()[-3000:]}")
            time.sleep(0.3)

    def _start_nginx(self) -> None:
        folder = self._folder("nginx")
        nodes = " ".join(f"127.0.0.1:{node.port}" for node in self.web.values())
        rendered = subprocess.run(
            ["bash", str(ROOT / "deploy" / "render-nginx")],
            env={
                **self.env,
                "COURSE_WEB_NODES": nodes,
                "NGINX_LISTEN": f"127.0.0.1:{self.nginx_port}",
                "NGINX_TLS_CERT": str(self.cert),
                "NGINX_TLS_KEY": str(self.key),
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (folder / "course.conf").write_text(rendered)
        user = "user root;" if os.geteuid() == 0 else ""
        temp = " ".join(
            f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                              "uwsgi", "scgi")
        )  # fmt: skip
        (folder / "nginx.conf").write_text(
            f"""{user}
worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format node '$remote_addr "$request" $status upstream=$upstream_addr/$upstream_status';
    access_log {folder / "access.log"} node;
    {temp}
    # the tests read which web node answered (CI only; not part of the reference site)
    add_header X-Course-Node $upstream_addr always;
    include {folder / "course.conf"};
}}
"""
        )
        checked = subprocess.run(
            ["nginx", "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr
        self.nginx = subprocess.Popen(
            ["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with requests.Session() as probe:
                    probe.trust_env = False
                    probe.get(self.url + "/login", verify=str(self.cert), timeout=2)
                return
            except requests.RequestException:
                if time.monotonic() > deadline or self.nginx.poll() is not None:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.2)

    # -- helpers for the scenarios ----------------------------------------------------------

    def node_of(self, response: requests.Response) -> str:
        """The web node that answered (from nginx's upstream address)."""
        upstream = response.headers.get("X-Course-Node", "")
        last = upstream.split(",")[-1].strip()  # "a, b" when nginx tried a then b
        for node in self.web.values():
            if last == f"127.0.0.1:{node.port}":
                return node.name
        return upstream or "nginx"

    def store_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id="cluster-access-key",
            aws_secret_access_key="cluster-secret-key",
            region_name="us-east-1",
        )

    def instance_files(self) -> list[Path]:
        """Every file any node left in its instance folder."""
        nodes = [*self.web.values(), *self.workers.values()]
        return [path for node in nodes for path in node.instance.rglob("*") if path.is_file()]

    def clean(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
