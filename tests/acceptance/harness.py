"""The demo city served by `make run`, and the checks every acceptance journey passes.

The journeys drive Debian's Chromium against the demo exactly as a person meets it: both Wagtail
sites on their own hostnames, the demo users, the development server printing e-mails to its
console. Nothing here reads or writes the database: what a journey asserts is what a browser
shows or what the server printed.
"""

from __future__ import annotations

import atexit
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sms.backends.file import read_messages

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "acceptance"
PASSWORD = "grid-demo-2026"
STREET_HOST = "changjianglu.localhost"
# The demo needs migrations and the whole city built on a fresh database; on a busy 2-core
# machine that can take minutes.
START_TIMEOUT = 600
# The line Django's console e-mail backend writes after each message.
EMAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Email:
    to: list[str]
    subject: str
    body: str
    raw: str

    @property
    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"')]+", self.body)


def parse_console_emails(output: str) -> list[Email]:
    """The messages the console e-mail backend printed in `output`, in order.

    Each message is printed as its MIME source followed by a line of 79 dashes; whatever else
    the server printed before it (start-up lines) ends where its first header begins.
    """
    messages = []
    chunks = output.split(EMAIL_SEPARATOR)
    for chunk in chunks[:-1]:  # the last chunk is not (yet) followed by a separator
        start = re.search(r"^Content-Type: ", chunk, re.MULTILINE)
        if not start:
            continue
        source = chunk[start.start() :]
        # As bytes: the console prints 8-bit bodies decoded, and the parser reads text
        # payloads back correctly only from bytes.
        message = email.message_from_bytes(source.encode(), policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        messages.append(
            Email(
                to=[a.strip() for a in str(message.get("To", "")).split(",") if a.strip()],
                subject=str(message.get("Subject", "")).strip(),
                body=body,
                raw=source,
            )
        )
    return messages


@dataclass
class DemoServer:
    """`make run` in a process group of its own, on a free port and a throw-away database."""

    port: int
    workdir: Path
    process: subprocess.Popen | None = None
    started_in: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def street_url(self) -> str:
        return f"http://{STREET_HOST}:{self.port}"

    @property
    def hosts(self) -> set[str]:
        """host:port pairs the journeys may reach: the two demo sites."""
        return {f"127.0.0.1:{self.port}", f"{STREET_HOST}:{self.port}"}

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    @property
    def stdout_path(self) -> Path:
        return self.workdir / "server.out"

    @property
    def sms_path(self) -> Path:
        """Where the demo's file backend writes the text messages it sends."""
        return self.workdir / "sms"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def street(self, path: str = "/") -> str:
        return self.street_url + path

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # manage.py's default (development) settings, as on a fresh clone; nothing inherited
        # from the test run or a deployment's environment decides how the demo is served.
        for name in (
            "DJANGO_SETTINGS_MODULE",
            "REDIS_URL",
            "EMAIL_URL",
            "TASKS_BACKEND",
            "ALLOWED_HOSTS",
            "WAGTAILADMIN_BASE_URL",
            "MAKEFLAGS",
            "MFLAGS",
            "MAKELEVEL",
        ):
            env.pop(name, None)
        env.update(
            DATABASE_URL=f"sqlite:///{self.workdir / 'demo.sqlite3'}",
            # Uploads land in the throw-away folder, never in the working tree's var/ or media/.
            MEDIA_ROOT=str(self.workdir / "media"),
            PRIVATE_MEDIA_ROOT=str(self.workdir / "private"),
            SMS_FILE_PATH=str(self.sms_path),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        began = time.monotonic()
        with self.stdout_path.open("wb") as out, self.log_path.open("wb") as err:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "-C", str(ROOT), "run", f"PORT={self.port}"],
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        try:
            self._wait_until_serving(began)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began

    def _wait_until_serving(self, began: float) -> None:
        while time.monotonic() - began < START_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"make run exited with {self.process.returncode}:\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(self.url("/"), timeout=30) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        raise RuntimeError(f"make run did not serve within {START_TIMEOUT} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        text = ""
        for path in (self.stdout_path, self.log_path):
            if path.exists():
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass

    def emails(self) -> list[Email]:
        """Every e-mail the demo has sent so far (the console backend prints them)."""
        return parse_console_emails(self.stdout_path.read_text(errors="replace"))

    def texts_to(self, phone: str) -> list[str]:
        """The text messages the demo sent to `phone`, oldest first."""
        return [m["text"] for m in read_messages(self.sms_path) if m["phone"] == phone]

    def emails_to(self, address: str, timeout: float = 10) -> list[Email]:
        """The e-mails sent to `address`, waiting a little for the first to be printed."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.emails() if address in m.to]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.25)


def start_demo() -> DemoServer:
    workdir = Path(tempfile.mkdtemp(prefix="peoples-grid-acceptance-"))
    server = DemoServer(port=free_port(), workdir=workdir)
    # Stopped by its fixture; this also stops it when the run is interrupted.
    atexit.register(server.stop)
    server.start()
    return server


def running_demo() -> DemoServer | None:
    """The demo left running by `python -m tests.acceptance.harness`, when
    ACCEPTANCE_DEMO=<port>:<folder> names it: writing a journey without building the city
    for every run. The journeys then share its database, as people share one demo."""
    reuse = os.environ.get("ACCEPTANCE_DEMO", "")
    if not reuse:
        return None
    port, folder = reuse.split(":", 1)
    return DemoServer(port=int(port), workdir=Path(folder))


if __name__ == "__main__":
    # Ctrl-C, or `kill <pid>` when started in the background (where SIGINT is ignored).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = start_demo()
    print(f"Serving {server.base_url} and {server.street_url} after {server.started_in:.0f} s;")
    print(f"export ACCEPTANCE_DEMO={server.port}:{server.workdir}")
    print(f"Ctrl-C or kill {os.getpid()} stops it.", flush=True)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


# --- No untranslated English on Chinese screens ---------------------------------------------

# Latin text a Chinese screen may show. Kept explicit and short: names that stay as they are
# in any language, abbreviations Chinese users read as such, the demo's usernames, and the
# language switcher naming English in English.
ALLOWED_PHRASES = (
    "People's Grid",
    "People’s Grid",
    "Wagtail",
    "Viewflow",
    "Leaflet",
    "Open311",
    "GeoReport",
    "GeoJSON",
    "English",
)
ALLOWED_WORDS = frozenset(
    {
        # abbreviations
        "ID",
        "API",
        "URL",
        "CSV",
        "XLSX",
        "PDF",
        "PNG",
        "JPEG",
        "JPG",
        "KB",
        "MB",
        "GB",
        "km",
        # file formats and the programs they are known by, as a form's file field lists them
        "Word",
        "Excel",
        "PowerPoint",
        "OpenDocument",
        "GIF",
        "HEIC",
        "WebP",
        "WebM",
        "MOV",
        "MP4",
        "WAV",
        "AAC",
        "AMR",
        # demo usernames that are plain words (the others contain "_" and are skipped)
        "admin",
        "volunteer",
        "supervisor",
        "cleaner",
    }
)
# Addresses, e-mail addresses, file names and paths (docs/deploy.md) are not words to translate.
_URL = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+*-]+@[\w-]+(?:\.[\w-]+)+|\S+\.(?:png|jpe?g|pdf)\b"
    r"|[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+"
)
_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_'’.\-]*")
# A reference code as staff see it, masked after its first group: CCNQ-****-****.
_MASKED_CODE = re.compile(r"\b[0-9A-Z]{4}(?:-\*{4})+")


def untranslated_words(text: str) -> list[str]:
    """Latin words in `text` that a Chinese screen should not show.

    Tokens with a digit or an underscore, or with a hyphen in one case, are codes, keys, tracking
    numbers or usernames and pass; so do single letters (units, list markers) and the allowlist
    above.
    """
    text = _MASKED_CODE.sub(" ", _URL.sub(" ", text))
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    found = []
    for token in _TOKEN.findall(text):
        word = token.strip(".'’-")
        if len(word) < 2 or any(c.isdigit() or c == "_" for c in word):
            continue
        # A tracking code such as JEJZ-BMFB-CFMS, or a key such as community-work-access.
        if "-" in word and (word.isupper() or word.islower()):
            continue
        if word in ALLOWED_WORDS:
            continue
        found.append(word)
    return found


# Visible text, plus the text a person reads that is not in text nodes: the title in the tab,
# placeholders, the labels of <input type="submit"> buttons and the options of a list. Icon
# fonts (Viewflow's Material Icons) draw ligatures such as "inbox" as pictures: their text is
# not read. Text hidden for screen readers only is not on the screen either.
VISIBLE_TEXT_JS = """() => {
    const parts = [document.title];
    const icon = /material (icons|symbols)/i;
    const skipped = ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"];
    // Visually hidden for screen readers only: 1px boxes that hide their overflow.
    const srOnly = (el) => {
        for (let e = el; e; e = e.parentElement) {
            const box = e.getBoundingClientRect();
            const clips = getComputedStyle(e).overflow !== "visible";
            if (box.width <= 1 && box.height <= 1 && clips) return true;
        }
        return false;
    };
    const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true})
        && !srOnly(el);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.data.trim() || !el || skipped.includes(el.tagName)) continue;
        if (!shown(el) || icon.test(getComputedStyle(el).fontFamily)) continue;
        parts.push(node.data);
    }
    for (const el of document.querySelectorAll(
        "[placeholder], input[type=submit], input[type=button], input[type=reset]"
    )) {
        if (shown(el)) parts.push(el.getAttribute("placeholder") || el.value);
    }
    for (const select of document.querySelectorAll("select")) {
        if (shown(select)) for (const option of select.options) parts.push(option.text);
    }
    return parts.join("\\n");
}"""


@dataclass
class Guards:
    """What the browser saw go wrong during one journey."""

    hosts: set[str]
    server_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    english: dict[str, list[str]] = field(default_factory=dict)

    def watch(self, context) -> None:
        context.on("request", self._on_request)
        context.on("response", self._on_response)

    def _on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc not in self.hosts:
            self.foreign_requests.append(f"{request.method} {request.url}")

    def _on_response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def problems(self) -> list[str]:
        problems = [f"HTTP {error}" for error in self.server_errors]
        problems += [f"request to another host: {r}" for r in self.foreign_requests]
        problems += [
            f"English on a Chinese screen at step {step}: {', '.join(sorted(set(words)))}"
            for step, words in self.english.items()
        ]
        return problems
