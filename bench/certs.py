"""Certificate figures, in-process (run by bench/run.py in a fresh interpreter each time).

    python bench/certs.py issue DATABASE_URL COURSES_DIR QUIZZES_DIR [N]
        N interleaved pairs: a bare WeasyPrint render of the certificate HTML
        (`HTML(string=...).write_pdf()`, default options) and the app's
        `issue_certificate()` + commit (render through the locked fetcher + store)
    python bench/certs.py rss [N]
        N consecutive renders with the app's renderer; resident memory after 20 and after N
    python bench/certs.py startup
        import the app and call create_app(): time, RSS, and whether WeasyPrint got imported

Each prints one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STATIC = ROOT / "static"


def rss_mib() -> float:
    """Current resident set size (VmRSS), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _context(number: int):
    from learnapp.certificates.render import CertificateContext

    code = f"BENCH-{number:06d}"
    return CertificateContext(
        name="Amélie Zoë Kowalczyk-Brontë",
        course_title="Introduction to Participative Action Research",
        completed_on=dt.date(2026, 11, 2),
        duration_minutes=90,
        code=code,
        verify_url=f"https://learn.example.org/verify/{code}",
    )


def issue(database_url: str, courses_dir: str, quizzes_dir: str, n: int) -> dict:
    from weasyprint import HTML

    from bench.content import CERT_COURSE
    from learnapp import create_app
    from learnapp.catalogue import catalogue
    from learnapp.certificates import service
    from learnapp.certificates.render import certificate_html
    from learnapp.extensions import db
    from learnapp.models import Enrolment, User, now_utc

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "COURSES_DIR": courses_dir,
            "QUIZZES_DIR": quizzes_dir,
            "SECRET_KEY": "bench",
            "BASE_URL": "https://learn.example.org",
        }
    )
    with app.app_context():
        course = catalogue().courses[CERT_COURSE]
        stamp = time.time_ns()
        people = []
        for i in range(n + 2):
            user = User(
                email=f"cert-{stamp}-{i}@bench.example.org",
                name="Amélie Zoë Kowalczyk-Brontë",
                password_hash="-",
            )
            db.session.add(user)
            db.session.flush()
            enrolled = Enrolment(
                user_id=user.id,
                course_slug=course.slug,
                completed_at=now_utc(),
                completed_version=course.version,
            )
            db.session.add(enrolled)
            people.append((user, enrolled))
        db.session.commit()
        base_url = STATIC.resolve().as_uri() + "/"

        def bare(i: int) -> bytes:
            html = certificate_html(_context(i), static_dir=STATIC)
            return HTML(string=html, base_url=base_url).write_pdf()

        def issued(i: int) -> bytes:
            user, enrolled = people[i]
            certificate = service.issue_certificate(
                user, course, enrolled, service.IssueSettings.from_config(app.config)
            )
            db.session.commit()
            return certificate.pdf

        bare(0), issued(0), bare(1), issued(1)  # warm-up: fonts, caches, first queries
        times: dict[str, list[float]] = {"bare": [], "issue": []}
        sizes = {}
        for i in range(2, n + 2):
            for name, run in (("bare", bare), ("issue", issued)):
                start = time.perf_counter()
                sizes[name] = len(run(i))
                times[name].append((time.perf_counter() - start) * 1000)
        db.engine.dispose()
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {
        "n": n,
        "bare_ms": round(medians["bare"], 1),
        "bare_ms_range": [round(min(times["bare"]), 1), round(max(times["bare"]), 1)],
        "issue_ms": round(medians["issue"], 1),
        "issue_ms_range": [round(min(times["issue"]), 1), round(max(times["issue"]), 1)],
        "ratio": round(medians["issue"] / medians["bare"], 2),
        "bare_pdf_bytes": sizes["bare"],
        "issued_pdf_bytes": sizes["issue"],
    }


def rss(n: int) -> dict:
    from learnapp.certificates.render import harfbuzz_subset_available, render_certificate

    before = rss_mib()
    marks = {}
    times = []
    for i in range(1, n + 1):
        start = time.perf_counter()
        render_certificate(_context(i), static_dir=STATIC)
        times.append((time.perf_counter() - start) * 1000)
        if i in (1, 20, n):
            marks[i] = rss_mib()
    return {
        "n": n,
        "harfbuzz_subset": harfbuzz_subset_available(),
        "rss_before_mib": round(before, 1),
        "rss_after_1_mib": round(marks[1], 1),
        "rss_after_20_mib": round(marks[20], 1),
        f"rss_after_{n}_mib": round(marks[n], 1),
        "ratio": round(marks[n] / marks[20], 2),
        "render_ms_median": round(statistics.median(times[1:]), 1),
    }


def startup() -> dict:
    start = time.perf_counter()
    from learnapp import create_app

    create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "bench"})
    return {
        "import_and_create_app_s": round(time.perf_counter() - start, 3),
        "interpreter_to_app_s": round(time.perf_counter() - T0, 3),
        "rss_mib": round(rss_mib(), 1),
        "weasyprint_imported": "weasyprint" in sys.modules,
    }


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "issue":
        result = issue(args[0], args[1], args[2], int(args[3]) if len(args) > 3 else 20)
    elif mode == "rss":
        result = rss(int(args[0]) if args else 200)
    elif mode == "startup":
        result = startup()
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))
