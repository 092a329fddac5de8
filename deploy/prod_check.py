"""`make prod-check`: the production recipe of docs/deploy.md, run for real on this machine.

On a fresh PostgreSQL database and a Redis of its own, with config.settings.production:
collectstatic (manifest storage), migrate, seed_demo; two gunicorn servers (deploy/gunicorn.conf.py)
on two free ports and one `db_worker`. Then it checks, over HTTP as a visitor, an editor and an
applicant would:

- every public page type and the admin login answer 200 on both servers, also on the street's
  own hostname;
- a page published in the admin of server A is fresh on server B at once (20 of 20);
- a form submitted on A has its confirmation e-mail sent by the worker (caught by an SMTP sink
  run here) with links to the host and port the applicant used;
- a registry import started on A finishes in the worker, and its progress reads the same on B;
- a household import in the worker writes its households, members and their audit entries;
- a backup taken with deploy/backup.py restores (deploy/restore.py) into a fresh database with
  the same row counts per table, the same files, and pages that render;
- /healthz answers 503 while the database refuses connections, 200 again once it accepts
  them, and 503 once Redis is stopped.

Each check is printed; the exit status is 1 if any failed. Everything it started is stopped and
its databases dropped, whatever happens. PostgreSQL comes from PRODCHECK_PG (default
postgres://postgres@127.0.0.1:5432, a role that may create databases); redis-server and the
PostgreSQL client programs must be on PATH.
"""

import contextlib
import csv
import email
import email.policy
import hashlib
import html.parser
import io
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = os.environ.get("PRODCHECK_PG", "postgres://postgres@127.0.0.1:5432")
DEMO_PASSWORD = "grid-demo-2026"
APPLICANT = "applicant@prodcheck.example.cn"
STREET_HOST = "changjianglu.localhost"


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG: the form's photo and the admin's image, so that the private uploads
    and the public media both hold a file to back up."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()


class Failed(Exception):
    """A check's expectation was not met."""


# --- output ------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        print(f"\n-- {text} ({time.monotonic() - self.started:.0f} s)", flush=True)

    def check(self, name: str, work: Callable[[], str | None]) -> bool:
        try:
            detail = work()
        except Exception as error:  # every check runs, whatever the one before it did
            detail = f"{type(error).__name__}: {error}"
            self.failures.append(name)
            print(f"FAIL {name}: {detail}", flush=True)
            return False
        print(f"ok   {name}" + (f": {detail}" if detail else ""), flush=True)
        return True


# --- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Everything started, stopped in reverse order at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running = [(n, p) for n, p in self.running if p is not process]

    def stop_all(self) -> None:
        for _name, process in reversed(list(self.running)):
            self.stop(process)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run(args: list[str], env: dict, timeout: int = 600) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise Failed(f"{' '.join(args[:4])} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result.stdout


def psql(sql: str, database: str = "postgres") -> str:
    return run(["psql", f"{PG}/{database}", "-v", "ON_ERROR_STOP=1", "-Atc", sql], os.environ)


def wait_for(what: str, test: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if test():
                return
        time.sleep(0.25)
    raise Failed(f"{what}: not within {seconds:.0f} s")


# --- an SMTP server that keeps what it receives ------------------------------------------


class SMTPSink(socketserver.ThreadingTCPServer):
    """The smallest SMTP server Django's backend talks to: every message is kept in memory."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        super().__init__(("127.0.0.1", 0), SMTPHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 prod-check SMTP sink")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 prod-check")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append(
                    email.message_from_bytes(bytes(data), policy=email.policy.default)
                )
                self.reply("250 OK: kept")
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


# --- HTTP as a browser would speak it ----------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """The forms of a page with their fields as a browser would send them untouched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.select: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({**a, "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            self.forms[-1]["fields"].append({"tag": "input", **a})
        elif tag == "select" and a.get("name"):
            self.select = {"tag": "select", "options": [], **a}
            self.forms[-1]["fields"].append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self.textarea = {"tag": "textarea", "value": "", **a}
            self.forms[-1]["fields"].append(self.textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea["value"] += data


def forms_of(page: str) -> list[dict]:
    parser = FormParser()
    parser.feed(page)
    return parser.forms


def as_submitted(form: dict) -> list[tuple[str, str]]:
    """What a browser sends for this form as it stands (no button pressed)."""
    data = []
    for field in form["fields"]:
        kind = field.get("type", "text").lower()
        if field["tag"] == "select":
            chosen = [v for v, selected in field["options"] if selected]
            data += [(field["name"], v) for v in chosen[:1]]
        elif field["tag"] == "textarea":
            data.append((field["name"], field["value"].removeprefix("\n")))
        elif kind in ("checkbox", "radio"):
            if "checked" in field:
                data.append((field["name"], field.get("value", "on")))
        elif kind not in ("submit", "button", "file", "image", "reset"):
            data.append((field["name"], field.get("value", "")))
    return data


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]):
    boundary = uuid.uuid4().hex
    body = bytearray()
    for name, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    for name, filename, content in files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One visitor on one server: its own cookies, a Host header of its choosing, and no
    redirect followed unless asked. (Cookies marked Secure are kept too: no TLS here.)"""

    def __init__(self, port: int, host: str | None = None) -> None:
        self.port = port
        self.host = host or f"127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        connection = HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": self.host, "Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        path = urllib.parse.quote(path, safe="/?=&%:;,+@")
        connection.request(method, path, body=body or None, headers=sent)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        response.text = content.decode("utf-8", errors="replace")
        return response

    def get(self, path: str, **headers) -> HTTPResponse:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields, files=(), referer: str = "") -> HTTPResponse:
        if files:
            body, content_type = multipart(fields, list(files))
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {
            "Content-Type": content_type,
            "Origin": f"http://{self.host}",
            "Referer": f"http://{self.host}{referer or path}",
        }
        return self.request("POST", path, body=body, headers=headers)

    def follow(self, response: HTTPResponse, limit: int = 5) -> HTTPResponse:
        for _ in range(limit):
            if response.status not in (301, 302, 303):
                return response
            location = urllib.parse.urlsplit(response.headers["Location"])
            if location.netloc and location.netloc != self.host:
                raise Failed(f"redirected off the host used ({self.host}) to {location.netloc}")
            response = self.get(location.path + (f"?{location.query}" if location.query else ""))
        return response

    def login(self, username: str) -> None:
        page = self.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not token:
            raise Failed("no CSRF token on the admin login page")
        response = self.post(
            "/admin/login/",
            [
                ("csrfmiddlewaretoken", token[1]),
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("next", "/admin/"),
            ],
        )
        if response.status != 302:
            raise Failed(f"admin login as {username} answered {response.status}")


def expect(response: HTTPResponse, status: int = 200) -> HTTPResponse:
    if response.status != status:
        raise Failed(f"answered {response.status}, not {status}")
    return response


# --- the check ---------------------------------------------------------------------------


DISCOVER = r"""
import json
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site
from forms.models import FormPage
from workflows.models import ProcessInstance

def where(page):
    site_id, root, path = page.specific.get_url_parts()
    site = Site.objects.get(pk=site_id)
    return {"id": page.pk, "host": site.hostname, "path": path, "title": page.title}

found = {}
for page in Page.objects.live().specific().order_by("path"):
    kind = type(page).__name__
    if kind != "Page" and kind not in found:
        found[kind] = where(page)
form = next(
    p for p in FormPage.objects.live().specific()
    if {f.field_type for f in p.definition.fields.all()} >= {"email", "file"}
)
process = ProcessInstance.objects.filter(
    version__definition__public_service=True
).select_related("submission").first() or ProcessInstance.objects.first()
print(json.dumps({
    "pages": found,
    "form": where(form),
    "reference": process.submission.reference,
    "superuser": get_user_model().objects.filter(is_superuser=True).first().username,
}))
"""

ROW_COUNTS = r"""
import json
from django.db import connection
with connection.cursor() as cursor:
    tables = connection.introspection.table_names(cursor)
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
"""

HOUSEHOLDS_IMPORTED = r"""
import json
from django.contrib.contenttypes.models import ContentType
from grid.models import Household, PersonalDataLogEntry, Resident
members = Resident.objects.filter(household__building__name="检查楼0")
print(json.dumps({
    "households": Household.objects.filter(building__name="检查楼0").count(),
    "members": members.count(),
    "audited": PersonalDataLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Resident),
        action="grid.personal_data.create",
        object_id__in=[str(pk) for pk in members.values_list("pk", flat=True)],
    ).count(),
}))
"""

RENDER = r"""
import json
from django.test import Client
answers = {}
for host, path in PATHS:
    response = Client(HTTP_HOST=host).get(path)
    answers[f"{host}{path}"] = response.status_code
print(json.dumps(answers))
"""


def file_digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def main() -> int:  # one scenario, told in order
    report = Report()
    work = Path(tempfile.mkdtemp(prefix="prodcheck-"))
    (work / "logs").mkdir()
    processes = Processes(work / "logs")
    pid = os.getpid()
    database = f"pg_prodcheck_{pid}"
    restored = f"pg_prodcheck_{pid}_restored"
    created: list[str] = []
    sink = SMTPSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    port_a, port_b, redis_port = free_port(), free_port(), free_port()
    while port_b == port_a:
        port_b = free_port()

    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PYTEST"))
    }
    env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": f"prod-check-{uuid.uuid4().hex}-{uuid.uuid4().hex}",
        "ALLOWED_HOSTS": "localhost,.localhost,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port_a},http://127.0.0.1:{port_b}",
        # No TLS on this machine: no redirect to https, no HSTS.
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"{PG}/{database}",
        "CONN_MAX_AGE": "60",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "DEFAULT_FROM_EMAIL": "noreply@prodcheck.example.cn",
        "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{port_a}",
        # The demo's two sites are configured for the port of server A.
        "PORT": str(port_a),
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "REGISTRY_IMPORT_BACKGROUND_ROWS": "5",
        "TRUSTED_PROXY_COUNT": "0",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [PYTHON, "manage.py"]
    try:
        report.step(f"setting up in {work}")
        redis = processes.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env,
        )
        wait_for("redis-server", lambda: socket.create_connection(("127.0.0.1", redis_port)))
        psql(f'CREATE DATABASE "{database}"')
        created.append(database)
        # A throwaway database: commits need not wait for the disk (migrations run faster).
        psql(f'ALTER DATABASE "{database}" SET synchronous_commit = off')

        def prepare(name: str, args: list[str]) -> Callable[[], str]:
            def step() -> str:
                started = time.monotonic()
                run([*manage, *args], env)
                return f"{time.monotonic() - started:.0f} s"

            return step

        for name, args in [
            ("collectstatic (manifest storage)", ["collectstatic", "--noinput", "-v0"]),
            ("migrate", ["migrate", "--noinput", "-v0"]),
            ("seed_demo --force", ["seed_demo", "--force"]),
        ]:
            if not report.check(name, prepare(name, args)):
                raise Failed(f"{name} failed; nothing further can be checked")
        found = json.loads(run([*manage, "shell", "-c", DISCOVER], env).strip().splitlines()[-1])

        report.step(f"starting gunicorn A on :{port_a}, B on :{port_b}, and a db_worker")
        servers = {}
        for name, port in (("A", port_a), ("B", port_b)):
            servers[name] = processes.start(
                f"gunicorn-{name}",
                [GUNICORN, "-c", "deploy/gunicorn.conf.py"],
                {**env, "BIND": f"127.0.0.1:{port}"},
            )
        processes.start(
            "worker",
            [*manage, "db_worker", "--no-reload", "--interval", "0.5", "--no-startup-delay"],
            env,
        )
        for name, port in (("A", port_a), ("B", port_b)):

            def ready(port: int = port, name: str = name) -> str:
                try:
                    wait_for(
                        f"server {name}", lambda: Browser(port).get("/healthz").status == 200, 60
                    )
                except Failed:
                    raise Failed(
                        f"/healthz on {name}: {Browser(port).get('/healthz').text[:500]}\n"
                        + processes.tail(f"gunicorn-{name}")
                    ) from None
                checks = json.loads(Browser(port).get("/healthz").text)["checks"]
                return ", ".join(f"{k} {v['ms']} ms" for k, v in checks.items() if v["ok"])

            if not report.check(f"server {name} ready (/healthz 200)", ready):
                raise Failed("a server did not start")

        report.step("every public page type and the admin login, on both servers")
        pages = found["pages"]
        portal = pages["PortalPage"]
        wanted = [(kind, page["host"], page["path"]) for kind, page in sorted(pages.items())]
        wanted += [
            ("FormPage", found["form"]["host"], found["form"]["path"]),
            ("track page", portal["host"], "/track/"),
            ("tracking of a process", portal["host"], f"/track/{found['reference']}/"),
            ("find-my-grid", portal["host"], portal["path"] + "find-my-grid/?q=长江路"),
            ("search", portal["host"], portal["path"] + "search/?q=社区"),
            ("admin login", portal["host"], "/admin/login/"),
            ("street on the district's host", portal["host"], "/340705001/"),
        ]
        for name, port in (("A", port_a), ("B", port_b)):
            for kind, host, path in wanted:
                hostname = f"{host}:{port}"

                def visit(hostname=hostname, path=path, port=port) -> str:
                    expect(Browser(port, hostname).get(path))
                    return f"http://{hostname}{path}"

                report.check(f"{name}: {kind}", visit)

        report.step("a page published in the admin of A is fresh on B")
        # The map page: its editor is plain HTML fields. (A body of blocks is built by the
        # editor's script, which an HTTP client does not run.)
        published = pages["MapPage"]
        published_host = f"{published['host']}:{port_b}"
        new_title = f"生产检查地图 {uuid.uuid4().hex[:6]}"

        def publish_on_a_fresh_on_b() -> str:
            visitor = Browser(port_b, published_host)
            for _ in range(3):  # both workers of B have the old page cached
                expect(visitor.get(published["path"]))
            if visitor.get(published["path"]).headers.get("X-Page-Cache") != "hit":
                raise Failed("the page was not cached on B before the publish")
            editor = Browser(port_a)
            editor.login(found["superuser"])
            edit_path = f"/admin/pages/{published['id']}/edit/"
            form = next(
                f
                for f in forms_of(expect(editor.get(edit_path)).text)
                if f.get("id") == "page-edit-form"
            )
            fields = [(k, new_title if k == "title" else v) for k, v in as_submitted(form)]
            response = editor.post(edit_path, [*fields, ("action-publish", "action-publish")])
            if response.status != 302:
                errors = re.findall(r'class="error-message"[^>]*>\s*<span>([^<]+)', response.text)
                raise Failed(f"publishing answered {response.status} {errors[:3]}")
            fresh = sum(
                new_title in Browser(port_b, published_host).get(published["path"]).text
                for _ in range(20)
            )
            if fresh != 20:
                raise Failed(f"{fresh} of 20 requests on B showed the published title")
            return "20 of 20 requests on B showed the new title"

        report.check("publish on A, fresh on B", publish_on_a_fresh_on_b)

        report.step("a form submitted on A: stored, confirmed, e-mailed by the worker")
        form_page = found["form"]
        form_host = f"{form_page['host']}:{port_a}"

        def submit_on_a() -> str:
            applicant = Browser(port_a, form_host)
            page = expect(applicant.get(form_page["path"])).text
            form = next(f for f in forms_of(page) if "csrfmiddlewaretoken" in page)
            fields, files, radios = [], [], set()
            for field in form["fields"]:
                name, kind = field["name"], field.get("type", "text").lower()
                if field["tag"] == "select":
                    fields.append((name, next(v for v, _ in field["options"] if v)))
                elif field["tag"] == "textarea":
                    fields.append((name, "生产环境检查：东门路灯不亮。"))
                elif kind == "hidden":
                    fields.append((name, field.get("value", "")))
                elif name.startswith("hp-"):
                    fields.append((name, ""))  # the honeypot stays empty
                elif kind == "email":
                    fields.append((name, APPLICANT))
                elif kind == "tel":
                    fields.append((name, "13800138000"))
                elif kind == "date":
                    fields.append((name, "2026-12-01"))
                elif kind == "number":
                    fields.append((name, "1"))
                elif kind == "radio" and name not in radios:
                    radios.add(name)
                    fields.append((name, field.get("value", "on")))
                elif kind == "checkbox":
                    fields.append((name, field.get("value", "on")))
                elif kind == "file" and not files and ".png" in field.get("accept", ".png"):
                    files.append((name, "现场.png", PNG))
                elif kind == "text":
                    fields.append((name, "生产检查"))
            response = applicant.post(form_page["path"], fields, files)
            if response.status != 302:
                errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{3,80})<', response.text)
                raise Failed(f"the submission answered {response.status}: {errors[:4]}")
            location = urllib.parse.urlsplit(response.headers["Location"])
            if location.netloc not in ("", form_host):
                raise Failed(f"redirected to {location.netloc}, not {form_host}")
            confirmation = expect(applicant.follow(response)).text
            code = re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", confirmation)
            if not code:
                raise Failed("the confirmation page shows no reference code")
            found["submitted_code"] = code[0]
            return f"confirmation on http://{form_host}{location.path} shows {code[0]}"

        if report.check("form submitted on A, confirmation page", submit_on_a):

            def emailed() -> str:
                def arrived() -> bool:
                    return any(APPLICANT in str(m["To"]) for m in sink.messages)

                try:
                    wait_for("the confirmation e-mail", arrived, 60)
                except Failed:
                    raise Failed(
                        "no confirmation e-mail from the worker\n" + processes.tail("worker")
                    ) from None
                message = next(m for m in sink.messages if APPLICANT in str(m["To"]))
                text = message.get_body(("plain",)).get_content()
                if found["submitted_code"] not in text:
                    raise Failed("the e-mail does not carry the reference code")
                links = re.findall(r"https?://[^\s<>\"')]+", text)
                if not links:
                    raise Failed("the e-mail has no link back to the site")
                elsewhere = [link for link in links if not link.startswith(f"http://{form_host}/")]
                if elsewhere:
                    raise Failed(
                        f"links not on the host and port the applicant used "
                        f"(http://{form_host}/): {elsewhere}"
                    )
                return f"{len(links)} link(s), all on http://{form_host}/"

            report.check("confirmation e-mail sent by the worker, links to A", emailed)

        report.step("registry imports started on A, worked by the worker, read on B")

        def import_in_worker(clerk: Browser, upload: str, name: str, data: bytes) -> str:
            """Upload a file, let the worker check it, confirm, let the worker import it: the
            job's page."""
            token = re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', expect(clerk.get(upload)).text
            )
            response = clerk.post(
                upload,
                [("csrfmiddlewaretoken", token[1]), ("encoding", "")],
                [("file", name, data)],
            )
            if response.status != 302:
                raise Failed(f"the upload of {name} answered {response.status}")
            job_path = urllib.parse.urlsplit(response.headers["Location"]).path
            progress = job_path + "progress/"
            state = lambda: json.loads(expect(clerk.get(progress)).text)  # noqa: E731
            wait_for(
                f"the check of {name} (dry run) in the worker",
                lambda: state()["status"] == "checked",
                90,
            )
            page = expect(clerk.get(job_path)).text
            form = next(
                f
                for f in forms_of(page)
                if f.get("method", "").lower() == "post"
                and any(x["name"] == "csrfmiddlewaretoken" for x in f["fields"])
            )
            expect(clerk.post(job_path, as_submitted(form)), 302)
            wait_for(
                f"the import of {name} in the worker", lambda: state()["status"] == "imported", 90
            )
            return job_path

        def csv_data(rows: list[list]) -> bytes:
            out = io.StringIO()
            csv.writer(out).writerows(rows)
            return out.getvalue().encode("utf-8")

        grid_code: list[str] = []

        def import_on_a() -> str:
            exported = work / "buildings.csv"
            run([*manage, "export_registry", "buildings", str(exported)], env)
            header, first, *_rest = csv.reader(
                exported.read_text(encoding="utf-8-sig").splitlines()
            )
            grid_code.append(first[0])
            # More rows than REGISTRY_IMPORT_BACKGROUND_ROWS (5).
            rows = [header, *([first[0], f"检查楼{n}", *first[2:]] for n in range(8))]
            clerk = Browser(port_a)
            clerk.login(found["superuser"])
            job_path = import_in_worker(
                clerk, "/admin/grid/building/import/", "buildings.csv", csv_data(rows)
            )
            progress = job_path + "progress/"
            reader = Browser(port_b)
            reader.login(found["superuser"])
            on_a = json.loads(expect(clerk.get(progress)).text)
            on_b = json.loads(expect(reader.get(progress)).text)
            if on_a != on_b:
                raise Failed(f"progress differs: A {on_a}, B {on_b}")
            return f"{job_path}: {on_b['label']} on A and on B"

        report.check("import on A, finished by the worker, same progress on B", import_on_a)

        def households_in_worker() -> str:
            """A household import in the worker, its transaction the outermost one: on
            PostgreSQL its matching reads beside its writes (`grid.import_records.Writer`)."""
            if not grid_code:
                raise Failed("no buildings were imported to put households in")
            header = ["网格编码", "楼栋", "门牌号", "户籍人口", "姓名", "与户主关系"]
            rows = [[grid_code[0], "检查楼0", f"1-{n}", 2, f"检查户{n}", "户主"] for n in range(6)]
            rows += [
                [grid_code[0], "检查楼0", f"1-{n}", 2, f"检查子女{n}", "子女"] for n in range(6)
            ]
            clerk = Browser(port_a)
            clerk.login(found["superuser"])
            job_path = import_in_worker(
                clerk, "/admin/grid/household/import/", "households.csv", csv_data([header, *rows])
            )
            counted = json.loads(
                run([*manage, "shell", "-c", HOUSEHOLDS_IMPORTED], env).strip().splitlines()[-1]
            )
            if counted != {"households": 6, "members": 12, "audited": 12}:
                raise Failed(f"the import wrote {counted}")
            return f"{job_path}: 6 households, 12 members, 12 audit entries"

        report.check("households imported by the worker, members audited", households_in_worker)

        report.step("backup (deploy/backup.py) and restore (deploy/restore.py)")

        def backup_and_restore() -> str:
            counts = lambda e: json.loads(  # noqa: E731
                run([*manage, "shell", "-c", ROW_COUNTS], e).strip().splitlines()[-1]
            )
            before = counts(env)
            files = {name: file_digests(work / name) for name in ("media", "private")}
            run([PYTHON, "deploy/backup.py", "--to", str(work / "backups")], env)
            [taken] = [p for p in (work / "backups").iterdir() if not p.name.startswith(".")]
            psql(f'CREATE DATABASE "{restored}"')
            created.append(restored)
            restored_env = {
                **env,
                "DATABASE_URL": f"{PG}/{restored}",
                "MEDIA_ROOT": str(work / "restored-media"),
                "PRIVATE_MEDIA_ROOT": str(work / "restored-private"),
                # Another Redis database: nothing cached from the original may answer.
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
            }
            run([PYTHON, "deploy/restore.py", str(taken)], restored_env)
            after = counts(restored_env)
            differ = {
                t: (before.get(t), after.get(t))
                for t in before.keys() | after.keys()
                if before.get(t) != after.get(t)
            }
            if differ:
                raise Failed(f"row counts differ (original, restored): {differ}")
            for name in ("media", "private"):
                if file_digests(work / f"restored-{name}") != files[name]:
                    raise Failed(f"the restored {name} files differ")
            if not files["private"] or not files["media"]:
                raise Failed(f"nothing to restore in {[k for k, v in files.items() if not v]}")
            paths = [
                (f"{portal['host']}:{port_a}", "/healthz"),
                (f"{pages['CommunityPage']['host']}:{port_a}", pages["CommunityPage"]["path"]),
                (f"{pages['NoticePage']['host']}:{port_a}", pages["NoticePage"]["path"]),
            ]
            render = RENDER.replace("PATHS", repr(paths))
            answers = json.loads(
                run([*manage, "shell", "-c", render], restored_env).strip().splitlines()[-1]
            )
            if set(answers.values()) != {200}:
                raise Failed(f"pages of the restored database: {answers}")
            rows = sum(after.values())
            return (
                f"{len(after)} tables, {rows} rows, {len(files['media'])} media and "
                f"{len(files['private'])} private files restored; pages render"
            )

        def upload_image() -> str:
            editor = Browser(port_a)
            editor.login(found["superuser"])
            form = next(
                f
                for f in forms_of(expect(editor.get("/admin/images/add/")).text)
                if any(x["name"] == "file" for x in f["fields"])
            )
            fields = [(k, "生产检查图片" if k == "title" else v) for k, v in as_submitted(form)]
            response = editor.post("/admin/images/add/", fields, [("file", "check.png", PNG)])
            if response.status != 302:
                raise Failed(f"the upload answered {response.status}")
            return "uploaded in the admin of A, so that the public media hold a file"

        report.check("an image for the public media", upload_image)
        report.check("backup restores with the same rows, files and pages", backup_and_restore)

        report.step("/healthz when the database refuses connections, then accepts them again")

        def database_down() -> str:
            # Refusing new connections and ending the open ones is what a database outage
            # looks like to the app servers; the machine's PostgreSQL keeps running.
            psql(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
            try:
                psql(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    f"WHERE datname = '{database}'"
                )
                statuses = [Browser(p).get("/healthz") for p in (port_a, port_b) for _ in range(2)]
                if {r.status for r in statuses} != {503}:
                    raise Failed(f"answered {[r.status for r in statuses]}")
                body = json.loads(statuses[-1].text)
                if body["checks"]["database"]["ok"] or not body["checks"]["cache"]["ok"]:
                    raise Failed(f"the answer blames the wrong part: {body}")
            finally:
                psql(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')
            wait_for(
                "/healthz back to 200",
                lambda: all(Browser(p).get("/healthz").status == 200 for p in (port_a, port_b)),
                30,
            )
            # Each server runs several workers, each with its own kept connection, ended while
            # the database was down: no worker may fail a request on it afterwards.
            after = [
                Browser(p).get(path).status
                for p in (port_a, port_b)
                for path in ("/healthz", "/") * 6
            ]
            if set(after) != {200}:
                raise Failed(f"after the database came back, requests answered {after}")
            return (
                "503 on A and B while down (database failing, cache fine), 200 once back, "
                f"{len(after)} requests after it all 200"
            )

        report.check("/healthz follows the database", database_down)

        report.step("/healthz when Redis is stopped")

        def redis_down() -> str:
            processes.stop(redis)
            statuses = [Browser(p).get("/healthz") for p in (port_a, port_b)]
            if {r.status for r in statuses} != {503}:
                raise Failed(f"answered {[r.status for r in statuses]}")
            body = json.loads(statuses[-1].text)
            if body["checks"]["cache"]["ok"] or not body["checks"]["database"]["ok"]:
                raise Failed(f"the answer blames the wrong part: {body}")
            live = [Browser(p).get("/livez").status for p in (port_a, port_b)]
            if live != [200, 200]:
                raise Failed(f"/livez answered {live}")
            return "503 on A and B (cache failing, database fine); /livez still 200"

        report.check("/healthz follows Redis", redis_down)
    except Failed as error:
        print(f"\nstopped: {error}", flush=True)
        report.failures.append(str(error).splitlines()[0])
    finally:
        report.step("stopping everything this check started")
        processes.stop_all()
        sink.shutdown()
        for name in reversed(created):
            with contextlib.suppress(Failed):
                psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        keep = bool(report.failures) and os.environ.get("PRODCHECK_KEEP")
        if keep:
            print(f"kept {work} (logs in logs/)")
        else:
            if report.failures:
                for log in sorted((work / "logs").glob("*.log")):
                    tail = processes.tail(log.stem, 15)
                    if "Error" in tail or "Traceback" in tail:
                        print(f"--- last lines of {log.name}\n{tail}")
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - report.started
    if report.failures:
        print(f"\nprod-check FAILED ({len(report.failures)}) in {elapsed:.0f} s:")
        for failure in report.failures:
            print(f"  - {failure}")
        return 1
    print(f"\nprod-check passed in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
