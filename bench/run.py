"""`make bench`: the real app under gunicorn against bare yardsticks measured in the same run.

Starts, on free 127.0.0.1 ports, `learnapp serve` (2 workers x 4 threads) on a seeded scratch
SQLite database in bench/out/ and, when 127.0.0.1:5432 answers, on a scratch PostgreSQL
database (`learnapp_bench`, created and dropped here), plus the yardstick app
(bench/yardstick.py) under the same gunicorn worker class. wrk drives every target through
bench/wrk/replay.lua (logged-in learners' cookies and CSRF tokens, made by logging in over
HTTP) in ROUNDS interleaved rounds; then certificates, Markdown, worker start-up and the
admin dashboard are measured. Prints medians [min-max] and ratios; writes bench/RESULTS.md
and bench/out/results.json.

Environment: ROUNDS (3), WRK_DURATION (6 s), WRK_CONNECTIONS (16), BENCH_PG (1; 0 skips
PostgreSQL), BENCH_PG_URL (postgresql+psycopg://postgres@127.0.0.1:5432/postgres, the
maintenance database used to create the scratch one), BENCH_ADMIN (1; 0 skips the admin
dashboard), BENCH_ADMIN_LEARNERS (10000), CERT_RENDERS (20), BENCH_IMPORT (1; 0 skips the
bulk import, bench/import_bench.py), BENCH_IMPORT_ROWS (10000), BENCH_SCALE (1; 0 skips the
100,000-learner run on PostgreSQL, bench/scale.py), BENCH_SCALE_LEARNERS (100000).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import content  # noqa: E402
from bench.seed import PASSWORD, email, seed  # noqa: E402
from bench.webclient import CSRF, Browser  # noqa: E402

BENCH = ROOT / "bench"
OUT = BENCH / "out"
BIN = Path(sys.executable).parent
PY = sys.executable
LUA = BENCH / "wrk" / "replay.lua"
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("WRK_DURATION", "6"))
CONNECTIONS = int(os.environ.get("WRK_CONNECTIONS", "16"))
WRK_THREADS = 2
WARMUP = 2
PG_ON = os.environ.get("BENCH_PG", "1") != "0"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "learnapp_bench"
ADMIN_ON = os.environ.get("BENCH_ADMIN", "1") != "0"
ADMIN_LEARNERS = int(os.environ.get("BENCH_ADMIN_LEARNERS", "10000"))
CERT_RENDERS = int(os.environ.get("CERT_RENDERS", "20"))
IMPORT_ON = os.environ.get("BENCH_IMPORT", "1") != "0"
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
SCALE_ON = os.environ.get("BENCH_SCALE", "1") != "0"
SCALE_LEARNERS = int(os.environ.get("BENCH_SCALE_LEARNERS", "100000"))
LOGGED_IN = 320  # learners with a session; 320 x 29 lessons = enough fresh "Mark complete"s
SECRET = "bench-" + os.urandom(16).hex()
HOST = "127.0.0.1"

STARTED: list[subprocess.Popen] = []


def say(*parts) -> None:
    print(*parts, flush=True)


# ---------------------------------------------------------------- processes and ports


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start(cmd: list, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            cmd,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    STARTED.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop one process we started, by its PID (gunicorn's master stops its workers)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    if process in STARTED:
        STARTED.remove(process)


def wait_ready(port: int, path: str = "/healthz", timeout: float = 30) -> float:
    """Seconds until `path` answers 200."""
    start_time = time.perf_counter()
    while time.perf_counter() - start_time < timeout:
        try:
            browser = Browser(HOST, port)
            status = browser.get(path)[0]
            browser.close()
            if status == 200:
                return time.perf_counter() - start_time
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"nothing answers 200 on {HOST}:{port}{path}")


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def memory_mib(pid: int) -> dict:
    """RSS, PSS and private (unique) memory of a process, MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        values[name] = int(value.split()[0]) / 1024
    private = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return {
        "rss": round(values["Rss"], 1),
        "pss": round(values["Pss"], 1),
        "uss": round(private, 1),
    }


def maps_weasyprint(pid: int) -> bool:
    """Whether the process has loaded Pango, i.e. imported WeasyPrint."""
    return "libpango" in Path(f"/proc/{pid}/maps").read_text()


def app_env(database_url: str, site: SimpleNamespace, port: int) -> dict:
    return {
        "LEARNAPP_DATABASE_URL": database_url,
        "LEARNAPP_SECRET_KEY": SECRET,
        "LEARNAPP_COURSES_DIR": str(site.courses),
        "LEARNAPP_QUIZZES_DIR": str(site.quizzes),
        "LEARNAPP_BASE_URL": f"http://{HOST}:{port}",
    }


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def errors(self, needle: str) -> int:
        return self.log.read_text(errors="replace").count(needle)


def start_app(name: str, database_url: str, site, workers: int = 2) -> Server:
    port = free_port()
    log = OUT / f"{name}.log"
    cmd = [str(BIN / "learnapp"), "serve", "--host", HOST, "--port", str(port)]
    cmd += ["--workers", str(workers), "--threads", "4"]
    process = start(cmd, app_env(database_url, site, port), log)
    wait_ready(port)
    return Server(name, port, process, log)


def start_yardstick(name: str, database_url: str, page_bytes: int, pdf_bytes: int) -> Server:
    port = free_port()
    log = OUT / f"{name}.log"
    env = {
        "YS_DATABASE_URL": database_url,
        "YS_PAGE_BYTES": str(page_bytes),
        "YS_BYTES": str(pdf_bytes),
    }
    subprocess.run([PY, str(BENCH / "yardstick.py"), "init"], env={**os.environ, **env}, check=True)
    # The app logs each request (learnapp serve: accesslog "-"); the same settings here.
    cmd = [PY, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4"]
    cmd += ["--access-logfile", "-", "-b", f"{HOST}:{port}", "--chdir", str(BENCH), "yardstick:app"]
    process = start(cmd, env, log)
    wait_ready(port, "/bytes")
    return Server(name, port, process, log)


NGINX_CONF = """worker_processes 2;
daemon off;
{user}
pid {out}/nginx.pid;
error_log {out}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
  access_log off;
  include /etc/nginx/mime.types;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {out}/nginx-tmp/body;
  proxy_temp_path {out}/nginx-tmp/proxy;
  fastcgi_temp_path {out}/nginx-tmp/fastcgi;
  uwsgi_temp_path {out}/nginx-tmp/uwsgi;
  scgi_temp_path {out}/nginx-tmp/scgi;
  server {{
    listen {host}:{port};
    location /static/ {{ alias {static}/; expires 1y; }}
    location = /healthz {{ return 200 "ok"; }}
  }}
}}
"""


def start_nginx(static_dir: Path) -> Server | None:
    """nginx serving the static folder (2 worker processes, like the app's 2 workers)."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        say("nginx not installed (scripts/system-packages.sh bench): no static yardstick")
        return None
    port = free_port()
    (OUT / "nginx-tmp").mkdir(parents=True, exist_ok=True)
    conf = OUT / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, out=OUT, host=HOST, port=port, static=static_dir))
    log = OUT / "nginx.log"
    process = start([nginx, "-c", str(conf), "-p", str(OUT)], {}, log)
    wait_ready(port, "/healthz")
    return Server("nginx", port, process, log)


# ---------------------------------------------------------------- wrk


def worker_split(port: int) -> str:
    """How the open connections to `port` are spread over its processes, e.g. "9/7".

    A keep-alive connection stays with the gunicorn worker that accepted it: "16" means one
    worker serves the whole run, on one core (issue 18: the slow certificate-download rounds).
    """
    cmd = ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    counts = Counter(re.findall(r"pid=(\d+)", out))
    return "/".join(str(n) for n in sorted(counts.values(), reverse=True))


def wrk(port: int, requests_file: Path, duration: int) -> dict:
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency"]
    cmd += ["-s", str(LUA), f"http://{HOST}:{port}", "--", str(requests_file), str(WRK_THREADS)]
    split: list[str] = []
    look = threading.Timer(duration / 2, lambda: split.append(worker_split(port)))
    look.start()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    look.join()
    out = done.stdout
    if "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")

    def latency(pct: int) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
        "split": split[0] if split else "",
    }


def write_requests(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    with open(path, "w") as handle:
        for method, target, cookie, body in lines:
            handle.write(f"{method}\t{target}\t{cookie}\t{body}\n")
    return path


@dataclass
class Target:
    """One wrk target: its server, how to (re)build its request file and what to check."""

    name: str
    server: Server
    prepare: object  # () -> Path of the request file for this run
    expect: int = 200
    after: object = None  # (result) -> dict of extra figures for this run
    runs: list = field(default_factory=list)


# ---------------------------------------------------------------- one database


class Backend:
    """The app and the yardstick on one database (SQLite or PostgreSQL)."""

    def __init__(self, kind: str, database_url: str, site) -> None:
        self.kind, self.url, self.site = kind, database_url, site
        self.learners: list[dict] = []  # id, email, cookie, csrf

    def prepare(self) -> None:
        env = {**os.environ, **app_env(self.url, self.site, 5000)}
        subprocess.run(
            [str(BIN / "learnapp"), "db", "upgrade"], env=env, check=True, capture_output=True
        )
        from learnapp import create_app

        self.app = create_app(
            {
                "DATABASE_URL": self.url,
                "SECRET_KEY": SECRET,
                "COURSES_DIR": str(self.site.courses),
                "QUIZZES_DIR": str(self.site.quizzes),
            }
        )
        start_time = time.perf_counter()
        with self.app.app_context():
            seed(self.app)
        analyze(self.url)
        say(f"[{self.kind}] seeded in {time.perf_counter() - start_time:.1f} s")
        self.server = start_app(f"app-{self.kind}", self.url, self.site)
        start_time = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            self.learners = list(pool.map(self._log_in, range(1, LOGGED_IN + 1)))
        say(
            f"[{self.kind}] {LOGGED_IN} learners logged in over HTTP in "
            f"{time.perf_counter() - start_time:.1f} s"
        )
        with self.app.app_context():
            from learnapp.extensions import db
            from learnapp.models import Certificate

            rows = db.session.execute(
                db.select(Certificate.user_id, Certificate.code, Certificate.pdf).where(
                    Certificate.course_slug == content.CERT_COURSE
                )
            ).all()
        self.certificates = {row.user_id: row.code for row in rows}
        self.pdf_bytes = len(rows[0].pdf)
        visitor = Browser(HOST, self.server.port)
        status, _, body = visitor.get("/")  # a returning anonymous visitor: has a session
        self.visitor = visitor.cookie_header()
        self.css_url = re.search(r'href="(/static/css/[^"]+)"', body.decode()).group(1)
        visitor.close()

    def _log_in(self, number: int) -> dict:
        browser = Browser(HOST, self.server.port)
        browser.login(email(number), PASSWORD)
        status, _, body = browser.get(f"/courses/{content.COURSE}/{content.lesson_slug(1)}")
        if status != 200:
            raise RuntimeError(f"lesson page for learner {number}: HTTP {status}")
        page_bytes = len(body)
        with self.app.app_context():
            from learnapp.extensions import db
            from learnapp.models import User

            user_id = db.session.scalar(db.select(User.id).where(User.email == email(number)))
        learner = {
            "id": user_id,
            "cookie": browser.cookie_header(),
            "csrf": CSRF.search(body.decode()).group(1),
            "page_bytes": page_bytes,
        }
        browser.close()
        return learner

    # Request files --------------------------------------------------------

    def simple_file(self, path: str, cookie: str | None = None) -> Path:
        """One GET, with the first learner's cookie unless another is given."""
        cookie = self.learners[0]["cookie"] if cookie is None else cookie
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
        return write_requests(OUT / f"get-{name}-{self.kind}.txt", [("GET", path, cookie, "")])

    def lesson_file(self) -> Path:
        rng = random.Random(1)
        lines = []
        for _ in range(5000):
            learner = rng.choice(self.learners)
            lesson = content.lesson_slug(rng.randint(1, content.LESSONS))
            lines.append(("GET", f"/courses/{content.COURSE}/{lesson}", learner["cookie"], ""))
        return write_requests(OUT / f"lesson-{self.kind}.txt", lines)

    def complete_file(self) -> Path:
        """Every (learner, lesson 1-29) pair once, shuffled; their completions are reset."""
        from sqlalchemy import delete

        from learnapp.extensions import db
        from learnapp.models import LessonCompletion

        with self.app.app_context():
            db.session.execute(
                delete(LessonCompletion).where(
                    LessonCompletion.course_slug == content.COURSE,
                    LessonCompletion.user_id.in_([learner["id"] for learner in self.learners]),
                )
            )
            db.session.commit()
            self.completions_before = self._count("lesson_completion")
        pairs = [(lr, n) for lr in self.learners for n in range(1, content.LESSONS)]
        random.Random(2).shuffle(pairs)
        lines = [
            (
                "POST",
                f"/courses/{content.COURSE}/{content.lesson_slug(n)}/complete",
                learner["cookie"],
                urllib.parse.urlencode({"csrf_token": learner["csrf"]}),
            )
            for learner, n in pairs
        ]
        return write_requests(OUT / f"complete-{self.kind}.txt", lines)

    def quiz_file(self, count: int) -> Path:
        """`count` fresh attempt tokens, as the quiz page would hand them out; half pass."""
        from learnapp.catalogue import catalogue
        from learnapp.quizzes.service import new_attempt_form

        rng = random.Random()
        lines = []
        with self.app.app_context(), self.app.test_request_context():
            course = catalogue().courses[content.COURSE]
            quiz = course.quiz(content.QUIZ)
            self.attempts_before = self._count("quiz_attempt")
            for i in range(count):
                learner = self.learners[i % len(self.learners)]
                form = new_attempt_form(SimpleNamespace(id=learner["id"]), course, quiz)
                right = rng.random() < 0.5
                fields = [("attempt_token", form.token), ("csrf_token", learner["csrf"])]
                for shown in form.questions:
                    if shown.question.kind == "short":
                        fields.append((shown.field, "171" if right else "17"))
                        continue
                    for option_id, option in shown.options:
                        if option.correct == right or (
                            not right and shown.question.kind == "multiple"
                        ):
                            fields.append((shown.field, option_id))
                            if shown.question.kind == "single":
                                break
                body = urllib.parse.urlencode(fields)
                lines.append(
                    (
                        "POST",
                        f"/courses/{content.COURSE}/quizzes/{quiz.slug}",
                        learner["cookie"],
                        body,
                    )
                )
        return write_requests(OUT / f"quiz-{self.kind}.txt", lines)

    def download_file(self) -> Path:
        lines = [
            ("GET", f"/certificates/{self.certificates[lr['id']]}.pdf", lr["cookie"], "")
            for lr in self.learners
            if lr["id"] in self.certificates
        ]
        return write_requests(OUT / f"download-{self.kind}.txt", lines)

    def _count(self, table: str) -> int:
        from sqlalchemy import text

        from learnapp.extensions import db

        with self.app.app_context():
            return db.session.scalar(text(f"SELECT count(*) FROM {table}"))

    # Checks after a run ---------------------------------------------------

    def after_complete(self, result: dict) -> dict:
        inserted = self._count("lesson_completion") - self.completions_before
        return {
            "inserted": inserted,
            "locked": self.server.errors("database is locked"),
        }

    def after_quiz(self, result: dict) -> dict:
        return {"recorded": self._count("quiz_attempt") - self.attempts_before}

    def targets(self, shared: dict) -> list[Target]:
        ys, app = self.yardstick, self.server
        k = self.kind
        quiz_tokens = 1500 * (DURATION + 1)
        return [
            Target(f"(d) template + read + upsert [{k}]", ys, lambda: shared["progress"]),
            Target(f"bare upsert + commit [{k}]", ys, lambda: shared["write"]),
            Target(f"/healthz, learner's cookie [{k}]", app, lambda: self.simple_file("/healthz")),
            Target(
                f"static CSS file, learner's cookie [{k}]",
                app,
                lambda: self.simple_file(self.css_url),
            ),
            Target(f"catalogue, anonymous [{k}]", app, lambda: self.simple_file("/", self.visitor)),
            Target(
                f"course overview, anonymous [{k}]",
                app,
                lambda: self.simple_file(f"/courses/{content.COURSE}", self.visitor),
            ),
            Target(f"lesson page [{k}]", app, self.lesson_file),
            Target(f"mark complete POST [{k}]", app, self.complete_file, 303, self.after_complete),
            Target(
                f"quiz submission POST [{k}]",
                app,
                lambda: self.quiz_file(quiz_tokens),
                303,
                self.after_quiz,
            ),
            Target(f"certificate download [{k}]", app, self.download_file),
        ]

    def close(self) -> None:
        if hasattr(self, "app"):
            from learnapp.extensions import db

            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()


def check_first(target: Target, path: Path) -> None:
    """Send the file's first request once and insist on the expected status."""
    method, url, cookie, body = path.read_text().split("\n", 1)[0].split("\t")
    browser = Browser(HOST, target.server.port)
    if cookie:
        for part in cookie.split("; "):
            name, value = part.split("=", 1)
            browser.cookies[name] = value
    form = urllib.parse.parse_qsl(body) if method == "POST" else None
    status, headers, _ = browser.request(method, url, form)
    browser.close()
    location = headers.get("Location", "")
    if status != target.expect or "/login" in location:
        raise RuntimeError(f"{target.name}: {method} {url} gave HTTP {status} {location}")


# ---------------------------------------------------------------- PostgreSQL


def pg_admin(sql: str) -> None:
    import psycopg

    url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(sql)


def pg_available() -> bool:
    if not PG_ON:
        return False
    try:
        pg_admin("SELECT 1")
        return True
    except Exception as error:  # noqa: BLE001 - any failure means: run without PostgreSQL
        say(f"PostgreSQL not reachable ({error.__class__.__name__}); SQLite only")
        return False


def analyze(database_url: str) -> None:
    """Planner statistics after a bulk seed, as autovacuum would have them in production."""
    if database_url.startswith("postgresql"):
        import psycopg

        url = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE")


def pg_url(database: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + database


# ---------------------------------------------------------------- the measurements


def summarise(runs: list[dict]) -> dict:
    rps = [r["rps"] for r in runs]
    return {
        "rps": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in runs),
        "socket_errors": [r["socket_errors"] for r in runs if r["socket_errors"]],
        "requests": sum(r["requests"] for r in runs),
    }


def web(backends: list[Backend]) -> dict:
    first = backends[0]
    page_bytes = int(statistics.median(lr["page_bytes"] for lr in first.learners))
    shared_ys = start_yardstick(
        "yardstick-sqlite", f"sqlite:///{OUT / 'yardstick.db'}", page_bytes, first.pdf_bytes
    )
    first.yardstick = shared_ys
    for backend in backends[1:]:
        backend.yardstick = start_yardstick(
            f"yardstick-{backend.kind}", backend.url, page_bytes, first.pdf_bytes
        )
    files = {
        name: write_requests(OUT / f"ys-{name}.txt", [("GET", f"/{name}", "", "")])
        for name in ("bare", "bytes", "template", "progress", "write")
    }
    targets = [
        Target("(a) bare Flask route", shared_ys, lambda: files["bare"]),
        Target("(b) bytes of a certificate's size", shared_ys, lambda: files["bytes"]),
        Target("(c) template of a lesson page's size", shared_ys, lambda: files["template"]),
    ]
    nginx = start_nginx(ROOT / "static")
    if nginx is not None:
        files["nginx"] = write_requests(
            OUT / "nginx-static.txt", [("GET", "/static/css/app.css", "", "")]
        )
        targets.append(Target("(n) nginx: the same static file", nginx, lambda: files["nginx"]))
    for backend in backends:
        targets += backend.targets(files)
    say(
        f"lesson page {page_bytes:.0f} bytes, certificate PDF {first.pdf_bytes} bytes; "
        f"{len(targets)} targets x {ROUNDS} rounds x {DURATION} s"
    )
    for target in targets:
        path = target.prepare()
        check_first(target, path)
        wrk(target.server.port, path, WARMUP)
        if target.after:
            target.after({})
    for number in range(1, ROUNDS + 1):
        for target in targets:
            path = target.prepare()
            result = wrk(target.server.port, path, DURATION)
            if target.after:
                result.update(target.after(result))
            target.runs.append(result)
            extra = {k: v for k, v in result.items() if k in ("inserted", "recorded", "locked")}
            say(
                f"  round {number} {target.name:45s} {result['rps']:8.0f} req/s  "
                f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:7.2f} ms  "
                f"errors {result['non_2xx_3xx']} workers {result['split']} {extra or ''}"
            )
    memory = {}
    for server in [b.server for b in backends]:
        for pid in children(server.process.pid):
            memory[f"{server.name} worker {pid}"] = {
                **memory_mib(pid),
                "weasyprint_loaded": maps_weasyprint(pid),
            }
    return {
        "page_bytes": page_bytes,
        "pdf_bytes": first.pdf_bytes,
        "targets": {t.name: {"summary": summarise(t.runs), "runs": t.runs} for t in targets},
        "worker_memory_after_traffic": memory,
    }


def worker_start(backend: Backend) -> dict:
    """A fresh `learnapp serve --workers 1`: time to /healthz and to the first lesson page,
    then the worker's memory after lesson, quiz and download traffic (no certificate render)."""
    rows = []
    for _ in range(ROUNDS):
        port = free_port()
        log = OUT / f"start-{backend.kind}.log"
        started = time.perf_counter()
        process = start(
            [str(BIN / "learnapp"), "serve", "--host", HOST, "--port", str(port), "--workers", "1"],
            app_env(backend.url, backend.site, port),
            log,
        )
        wait_ready(port, "/healthz")
        healthz = time.perf_counter() - started
        learner = backend.learners[0]
        browser = Browser(HOST, port)
        browser.cookies.update(dict(p.split("=", 1) for p in learner["cookie"].split("; ")))
        status = browser.get(f"/courses/{content.COURSE}/{content.lesson_slug(2)}")[0]
        first_page = time.perf_counter() - started
        assert status == 200, status
        for n in range(1, content.LESSONS + 1):
            browser.get(f"/courses/{content.COURSE}/{content.lesson_slug(n)}")
        browser.get(f"/courses/{content.COURSE}/quizzes/{content.QUIZ}")
        browser.get("/me")
        browser.get(f"/certificates/{backend.certificates[learner['id']]}.pdf")
        browser.close()
        workers = children(process.pid)
        row = {"healthz_s": round(healthz, 3), "first_lesson_page_s": round(first_page, 3)}
        if workers:
            row.update(memory_mib(workers[0]))
            row["weasyprint_loaded"] = maps_weasyprint(workers[0])
        rows.append(row)
        stop(process)
    return {
        "runs": rows,
        **{
            k: statistics.median(r[k] for r in rows)
            for k in rows[0]
            if isinstance(rows[0][k], float)
        },
    }


def inproc(backend: Backend) -> dict:
    """bench/inproc.py on this backend's database (CPU time per request, no sockets)."""
    yardstick_url = backend.url if backend.kind != "sqlite" else f"sqlite:///{OUT / 'ys-inproc.db'}"
    out = subprocess.run(
        [
            PY,
            str(BENCH / "inproc.py"),
            backend.url,
            str(backend.site.courses),
            str(backend.site.quizzes),
            yardstick_url,
            "300",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def profiles(backend: Backend) -> dict:
    """bench/cprofile_route.py on the routes whose targets are hardest: top frames by own time."""
    routes = {
        "/healthz, learner's cookie": ["/healthz", "2000", "--learner"],
        "catalogue, anonymous": ["/", "2000"],
        "lesson page, learner's cookie": [
            f"/courses/{content.COURSE}/{content.lesson_slug(5)}",
            "500",
            "--learner",
        ],
    }
    found = {}
    for name, args in routes.items():
        out = subprocess.run(
            [PY, str(BENCH / "cprofile_route.py"), backend.url, str(backend.site.courses)]
            + [str(backend.site.quizzes), *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        text = out.stdout.replace(str(ROOT) + "/", "").replace(str(BIN.parent) + "/", "")
        text = re.sub(r"\S*site-packages/", "", text)
        text = re.sub(r"\S*/lib/python3\.\d+/", "", text)
        found[name] = "\n".join(line for line in text.splitlines() if line.strip())
    return found


def certificates(backends: list[Backend]) -> dict:
    result = {}
    for backend in backends:
        out = subprocess.run(
            [
                PY,
                str(BENCH / "certs.py"),
                "issue",
                backend.url,
                str(backend.site.courses),
                str(backend.site.quizzes),
                str(CERT_RENDERS),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result[f"issue [{backend.kind}]"] = json.loads(out.stdout.strip().splitlines()[-1])
        say(f"  certificate issue [{backend.kind}]: {result[f'issue [{backend.kind}]']}")
    out = subprocess.run(
        [PY, str(BENCH / "certs.py"), "rss", "200"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result["rss"] = json.loads(out.stdout.strip().splitlines()[-1])
    say(f"  certificate RSS: {result['rss']}")
    out = subprocess.run(
        [PY, str(BENCH / "certs.py"), "startup"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result["startup"] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def markdown_check(hundred, database_url: str) -> dict:
    from bench import markdown_bare
    from learnapp.content import markdown as app_markdown

    assert markdown_bare.EXTENSIONS == app_markdown.EXTENSIONS, "bench/markdown_bare.py is stale"
    env = {**os.environ, "LEARNAPP_DATABASE_URL": database_url, "LEARNAPP_SECRET_KEY": SECRET}
    bare, check = [], []
    for _ in range(ROUNDS):
        start_time = time.perf_counter()
        subprocess.run(
            [PY, str(BENCH / "markdown_bare.py"), str(hundred.courses)],
            check=True,
            capture_output=True,
        )
        bare.append(time.perf_counter() - start_time)
        start_time = time.perf_counter()
        done = subprocess.run(
            [
                str(BIN / "learnapp"),
                "courses",
                "check",
                "--courses-dir",
                str(hundred.courses),
                "--quizzes-dir",
                str(hundred.quizzes),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        check.append(time.perf_counter() - start_time)
        if done.returncode != 0:
            raise RuntimeError(f"courses check failed: {done.stdout}{done.stderr}")
    out = subprocess.run(
        [PY, str(BENCH / "markdown_bare.py"), str(hundred.courses), "--inproc"],
        check=True,
        capture_output=True,
        text=True,
    )
    inproc = json.loads(out.stdout)
    return {
        "bare_s": statistics.median(bare),
        "bare_range": [min(bare), max(bare)],
        "check_s": statistics.median(check),
        "check_range": [min(check), max(check)],
        "ratio": statistics.median(c / b for c, b in zip(check, bare, strict=True)),
        "inproc": inproc,
    }


def admin(kind: str, database_url: str | None = None) -> dict | None:
    """The admin dashboard at 10,000 learners (bench/seed_admin.py) vs a raw SQL aggregate."""
    seeder = BENCH / "seed_admin.py"
    if not ADMIN_ON or not seeder.exists():
        return None
    folder = OUT / f"admin-{kind}"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database_url = database_url or f"sqlite:///{folder / 'admin.db'}"
    start_time = time.perf_counter()
    seeded = subprocess.run(
        [
            PY,
            str(seeder),
            database_url,
            "--content",
            str(folder / "content"),
            "--learners",
            str(ADMIN_LEARNERS),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if seeded.returncode != 0:
        return {"error": f"seed_admin.py failed: {seeded.stderr[-2000:]}"}
    analyze(database_url)
    result = {"seed_s": round(time.perf_counter() - start_time, 1), "seed_output": seeded.stdout}
    sys.path.insert(0, str(BENCH))
    import seed_admin

    site = SimpleNamespace(
        courses=folder / "content" / "courses", quizzes=folder / "content" / "quizzes"
    )
    server = start_app(f"app-admin-{kind}", database_url, site)
    try:
        browser = Browser(HOST, server.port)
        browser.login(seed_admin.ADMIN_EMAIL, seed_admin.ADMIN_PASSWORD)

        def timed(path: str, n: int) -> tuple[float, int, bytes]:
            times, status, body = [], 0, b""
            for _ in range(n):
                start_time = time.perf_counter()
                status, _, body = browser.get(path)
                times.append(time.perf_counter() - start_time)
            return statistics.median(times) * 1000, status, body

        dashboard_ms, status, body = timed("/admin/", 10)
        result["dashboard_ms"] = round(dashboard_ms, 1)
        result["dashboard_status"] = status
        result["dashboard_bytes"] = len(body)
        csv_s, status, body = timed("/admin/reports/completions.csv", 3)
        result["csv_status"] = status
        if status == 200:
            rows = body.count(b"\n") - 1
            result["csv_rows"] = rows
            result["csv_rows_per_s"] = round(rows / (csv_s / 1000))
        browser.close()
    finally:
        stop(server.process)
    result["raw_sql_ms"] = round(raw_aggregate_ms(database_url), 1)
    if result.get("dashboard_status") == 200:
        result["ratio"] = round(result["dashboard_ms"] / result["raw_sql_ms"], 2)
    admin_bench = BENCH / "admin_bench.py"
    if admin_bench.exists():
        out = subprocess.run(
            [PY, str(admin_bench), database_url, "--content", str(folder / "content")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
        result["admin_bench_output"] = (out.stdout + out.stderr)[-4000:]
    return result


def bulk_import(pg: bool) -> str:
    """bench/import_bench.py in its own process: 10,000 rows imported, then the partner
    manager's dashboard against its raw SQL aggregate; its printed figures."""
    cmd = [PY, str(BENCH / "import_bench.py"), "--rows", str(IMPORT_ROWS)]
    if not pg:
        cmd.append("--no-pg")
    out = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800, env={**os.environ}
    )
    printed = "\n".join(
        line for line in (out.stdout + out.stderr).splitlines() if line.startswith("[")
    )
    say(printed or (out.stdout + out.stderr)[-2000:])
    return printed


def scale() -> dict:
    """bench/scale.py in its own process (PostgreSQL): the admin pages at 100,000 learners
    and 2 million lesson completions against raw SQL, with their plans."""
    out = subprocess.run(
        [PY, str(BENCH / "scale.py"), "--learners", str(SCALE_LEARNERS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=3600,
        env={**os.environ},
    )
    if out.returncode != 0:
        return {"error": f"bench/scale.py failed: {out.stderr[-2000:]}"}
    say("\n".join(line for line in out.stdout.splitlines()[:-1] if line.startswith("  ")))
    return json.loads(out.stdout.strip().splitlines()[-1])


RAW_AGGREGATE = """
SELECT e.course_slug, u.organisation_id,
       COUNT(*) AS enrolled,
       SUM(CASE WHEN e.completed_at IS NULL AND p.done > 0 THEN 1 ELSE 0 END) AS in_progress,
       COUNT(e.completed_at) AS completed,
       COUNT(c.id) AS certified,
       AVG(b.best) AS average_best_score
FROM enrolment e
JOIN "user" u ON u.id = e.user_id
LEFT JOIN (SELECT user_id, course_slug, COUNT(*) AS done FROM lesson_completion
           GROUP BY user_id, course_slug) p
       ON p.user_id = e.user_id AND p.course_slug = e.course_slug
LEFT JOIN (SELECT user_id, course_slug, MAX(percent) AS best FROM quiz_attempt
           GROUP BY user_id, course_slug) b
       ON b.user_id = e.user_id AND b.course_slug = e.course_slug
LEFT JOIN certificate c
       ON c.user_id = e.user_id AND c.course_slug = e.course_slug AND c.revoked_at IS NULL
GROUP BY e.course_slug, u.organisation_id
"""


def raw_aggregate_ms(database_url: str) -> float:
    """The dashboard's numbers (per course and organisation) in one raw SQL query, DB-API."""
    if database_url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    else:
        import psycopg

        connection = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"))
    connection.execute(RAW_AGGREGATE).fetchall()
    times = []
    for _ in range(10):
        start_time = time.perf_counter()
        connection.execute(RAW_AGGREGATE).fetchall()
        times.append(time.perf_counter() - start_time)
    connection.close()
    return statistics.median(times) * 1000


# ---------------------------------------------------------------- report


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    import sqlite3
    from importlib.metadata import version

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": ", ".join(
            f"{name} {version(name)}"
            for name in ("Flask", "SQLAlchemy", "gunicorn", "WeasyPrint", "psycopg")
        )
        + f", SQLite {sqlite3.sqlite_version}, "
        f"{wrk_version.split('[')[0].strip()}",
        "load_before": os.getloadavg(),
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    info = machine()
    say(
        f"LearnApp bench: {info['cpu']}, ROUNDS={ROUNDS}, WRK_DURATION={DURATION}s, "
        f"-c{CONNECTIONS}; load average {info['load_before']}"
    )
    site_root, hundred_root = OUT / "site", OUT / "hundred"
    for folder in (site_root, hundred_root):
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
    courses, quizzes = content.write_site(site_root)
    site = SimpleNamespace(courses=courses, quizzes=quizzes)
    courses, quizzes = content.write_hundred(hundred_root)
    hundred = SimpleNamespace(courses=courses, quizzes=quizzes)
    sqlite_path = OUT / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    (OUT / "yardstick.db").unlink(missing_ok=True)
    backends = [Backend("sqlite", f"sqlite:///{sqlite_path}", site)]
    pg = pg_available()
    if pg:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_DB}")
        backends.append(Backend("postgresql", pg_url(PG_DB), site))
    results = {
        "machine": info,
        "settings": {"rounds": ROUNDS, "duration_s": DURATION, "connections": CONNECTIONS},
    }
    try:
        for backend in backends:
            backend.prepare()
        say("web targets (wrk):")
        results["web"] = web(backends)
        say("in-process CPU cost per request:")
        results["inproc"] = {b.kind: inproc(b) for b in backends}
        say(f"  {results['inproc']}")
        say("profiles (cProfile, sqlite):")
        results["profiles"] = profiles(backends[0])
        say("worker start-up:")
        results["worker_start"] = {b.kind: worker_start(b) for b in backends}
        say(f"  {results['worker_start']}")
        for backend in backends:
            stop(backend.server.process)
            stop(backend.yardstick.process)
        say("certificates (in-process):")
        results["certificates"] = certificates(backends)
        say("courses check vs bare Markdown + nh3:")
        results["markdown"] = markdown_check(hundred, backends[0].url)
        say(f"  {results['markdown']}")
        say("admin dashboard:")
        results["admin"] = {"sqlite": admin("sqlite")}
        if pg:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}_admin WITH (FORCE)")
            pg_admin(f"CREATE DATABASE {PG_DB}_admin")
            results["admin"]["postgresql"] = admin("postgresql", pg_url(f"{PG_DB}_admin"))
        say(f"  {results['admin']}")
        if IMPORT_ON:
            say("bulk import (bench/import_bench.py):")
            results["import"] = bulk_import(pg)
        if pg and SCALE_ON:
            say(f"scale: {SCALE_LEARNERS:,} learners on PostgreSQL (bench/scale.py):")
            results["scale"] = scale()
    finally:
        for process in list(STARTED):
            stop(process)
        for backend in backends:
            backend.close()
        if pg:
            for name in (PG_DB, f"{PG_DB}_admin"):
                with contextlib.suppress(Exception):
                    pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    info["load_after"] = os.getloadavg()
    results["elapsed_s"] = round(time.perf_counter() - began)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    from bench.report import write_report

    report = write_report(results, BENCH / "RESULTS.md")
    say("")
    say(report)


if __name__ == "__main__":
    main()
