"""One simulated trainee for ``exam_burst.py``: signs in, starts the quiz, submits its answers."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

COURSE = "quiz-course"


def percentiles(values: list[float]) -> dict:
    """p50/p95/p99 (nearest rank) and the count, in milliseconds."""
    if not values:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(
            ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))] * 1000, 1
        )

    return {"count": len(ordered), "p50_ms": rank(50), "p95_ms": rank(95), "p99_ms": rank(99)}


def page_fields(page: str, entries: dict) -> list[tuple[str, str]]:
    """``entries`` (by authored field name ``q-bNN``, options by letter) as the attempt page names
    them: every question, option and item is a per-attempt token there. The generated quiz's
    question N reads "第N题" and its options "Option a".."Option d", which is how they are found."""
    fields = []
    for chunk in page.split('<fieldset class="question card"')[1:]:
        name = re.search(r'name="present" value="([^"]+)"', chunk).group(1)
        text = re.search(r'class="question-text"[^>]*>(.*?)</div>', chunk, re.S).group(1)
        number = int(re.search(r"(?:第|Question )(\d+)", text).group(1))
        options = dict(
            (letter, token)
            for token, letter in re.findall(r'value="([^"]+)"[^>]*> Option ([a-d])</label>', chunk)
        )
        fields.append(("present", name))
        value = entries.get(f"q-b{number - 1:02d}")
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        fields += [(f"q-{name}", options.get(v, v)) for v in values]
    return fields


class Trainee:
    """A browser-less trainee with its own cookies; ``timings`` in seconds, ``errors`` as text."""

    def __init__(self, base: str, email: str, password: str, quiz_id: str, entries: dict) -> None:
        self.base, self.email, self.password, self.quiz_id = base, email, password, quiz_id
        self.entries = entries
        self.timings: dict[str, float] = {}
        self.errors: list[str] = []
        self.attempt_url = ""
        self._page = ""
        jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def _open(self, path: str, fields: list | None = None) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None else None
        url = path if path.startswith("http") else self.base + path
        with self._opener.open(urllib.request.Request(url, data=data), timeout=300) as response:
            return response.geturl(), response.read().decode()

    @staticmethod
    def _csrf(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def sign_in(self) -> None:
        """Sign in and open the quiz's start page (not timed)."""
        try:
            _, page = self._open("/login")
            self._open(
                "/login",
                [
                    ("csrf_token", self._csrf(page)),
                    ("email", self.email),
                    ("password", self.password),
                ],
            )
            _, self._page = self._open(f"/courses/{COURSE}/quizzes/{self.quiz_id}")
        except (urllib.error.URLError, OSError, AttributeError) as error:
            self.errors.append(f"sign in: {error}")

    def start(self) -> None:
        """POST start, follow to the attempt page."""
        began = time.monotonic()
        try:
            self.attempt_url, self._page = self._open(
                f"/courses/{COURSE}/quizzes/{self.quiz_id}/start",
                [("csrf_token", self._csrf(self._page))],
            )
            if not re.search(r"/quiz-attempts/\d+$", self.attempt_url):
                raise RuntimeError(f"start ended at {self.attempt_url}")
            self.timings["start"] = time.monotonic() - began
        except (urllib.error.URLError, OSError, RuntimeError, AttributeError) as error:
            self.errors.append(f"start: {error}")

    def submit(self, double: bool = False) -> None:
        """POST every answer with action=submit, follow to the results; ``double`` sends it twice
        at once, as a double click would."""
        if not self.attempt_url:
            return
        token = re.search(r'name="token" value="([^"]+)"', self._page)
        if token is None:
            self.errors.append(
                f"submit: no attempt form at {self.attempt_url}: {self._page[:300]!r}"
            )
            return
        fields = [
            ("csrf_token", self._csrf(self._page)),
            ("action", "submit"),
            ("token", token.group(1)),
        ]
        fields += page_fields(self._page, self.entries)

        def send(record: bool) -> None:
            began = time.monotonic()
            try:
                url, _ = self._open(self.attempt_url + "/answers", fields)
                if not url.endswith("/results"):
                    raise RuntimeError(f"submit ended at {url}")
                if record:
                    self.timings["submit"] = time.monotonic() - began
            except (urllib.error.URLError, OSError, RuntimeError) as error:
                self.errors.append(f"submit: {error}")

        if double:
            twin = threading.Thread(target=send, args=(False,))
            twin.start()
            send(True)
            twin.join()
        else:
            send(True)
