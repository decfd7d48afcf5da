"""A browser-less user of the cluster: a requests session that fills in the pages' forms."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    """Every form on a page: its action, method and the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": attrs.get("action", ""), "method": attrs.get("method", "get"),
                 "fields": [], "selects": {}}
            )  # fmt: skip
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            form["fields"].append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            first = self._select not in form["selects"]
            if first or "selected" in attrs:
                form["selects"][self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"].append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)


def forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["fields"] += list(form["selects"].items())
    return parser.forms


class User:
    """One person at one browser, talking to nginx."""

    def __init__(self, cluster, email: str = "", password: str = "") -> None:
        self.cluster = cluster
        self.email, self.password = email, password
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would replace the cluster's certificate
        self.http.verify = str(cluster.cert)
        # a browser sends the page it is on; Flask-WTF checks it on HTTPS (WTF_CSRF_SSL_STRICT)
        self.http.headers["Referer"] = cluster.url + "/"

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.cluster.url + path

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url(path), timeout=120, **kwargs)

    def submit(
        self,
        page: requests.Response,
        action_contains: str,
        values: dict | None = None,
        files: dict | None = None,
        **kwargs,
    ) -> requests.Response:
        """Fill the page's form whose action contains ``action_contains`` and send it."""
        candidates = [
            f for f in forms(page.text)
            if f["method"].lower() == "post"
            and action_contains in urljoin(page.url, f["action"] or page.url)
        ]  # fmt: skip
        assert candidates, f"no form with {action_contains!r} at {page.url}"
        form = candidates[0]
        values = values or {}
        fields = [(k, v) for k, v in form["fields"] if k not in values]
        for name, value in values.items():
            fields += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
        target = urljoin(page.url, form["action"] or page.url)
        return self.http.post(target, data=fields, files=files, timeout=120, **kwargs)

    def sign_in(self) -> requests.Response:
        page = self.get("/login")
        response = self.submit(page, "/login", {"email": self.email, "password": self.password})
        assert response.status_code == 200 and "/login" not in response.url, response.url
        return response

    def on(self, node: str, method: str, path: str, **kwargs) -> requests.Response:
        """Send a request that lands on ``node``: nginx alternates between the two web nodes,
        so cheap GETs move its turn until the next request goes to ``node``."""
        for _ in range(6):
            probe = self.get("/login", allow_redirects=False)
            if self.cluster.node_of(probe) != node:
                break
        response = self.http.request(method, self.url(path), timeout=120, **kwargs)
        assert self.cluster.node_of(response) == node, (node, response.headers)
        return response


def wait_until(check, timeout: float = 120, every: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
