"""Write bench/RESULTS.md from the figures bench/run.py collected (see bench/out/results.json)."""

from __future__ import annotations

import statistics
from pathlib import Path

# Why a target is missed and what would meet it: the structure of the code path, measured
# in-process (bench/inproc.py and the profiles quoted in bench/README.md). Shown when unmet.
WHY = {
    "fixed_cost": (
        "/healthz opens no session (no cookie verified, no user loaded) and asks the "
        "database once per 3 s per worker: 0 SQL statements (table below); the limiter "
        "is skipped for it, the security headers are set in one pass. What is left is "
        "what every request through this app pays and the bare route (a) does not: "
        "Flask-WTF's CSRF before_request, the NUL check, the trusted-host check, "
        "Flask-Compress's after_request, Flask-SQLAlchemy's and Flask-Babel's teardowns, "
        "the JSON response (profile below). In-process CPU is within ~1.3x of (a) (table "
        "below); through gunicorn the ratio is lower because the yardstick's gunicorn "
        "serves a smaller app on the same 2 shared cores. What would meet it: answer "
        "/healthz in a WSGI middleware before Flask, as the static files are, with its own "
        "host check and headers."
    ),
    "static_nginx": (
        "nginx sends the file from C with sendfile and no interpreter: in the same run the "
        "bare Flask route (a) itself reaches about 0.09x nginx, and the app's static file "
        "is at 0.8-0.9x (a) (target 18.1): WhiteNoise answers before Flask (no session, "
        "no hooks, gzip and Brotli precomputed; in-process 115-190 µs per request, like "
        "(a)). That is the floor of a Python WSGI server on this stack, far from 0.5x "
        "nginx. docs/deploy.md has nginx serve the fingerprinted, precompressed files from "
        "instance/static-cache/ in production."
    ),
    "anonymous_pages": (
        "The page is rendered once per content version and language and then shared: 0 "
        "templates rendered and 0 SQL statements per request "
        "(tests/catalogue/test_shared_pages.py counts them). Since issue 18's second pass "
        "a hit also skips the cookie's HMAC check (cookies verified once per worker), the "
        "user load (no user id in the session) and the CSRF token's signing (once per "
        "worker and session): in-process 1.04x (c). What is left through gunicorn: the "
        "session cookie's decoding, the locale, the limiter's hook, the security headers "
        "and werkzeug's request and response objects. What would meet it with certainty: "
        "serve anonymous pages without a session cookie (a CSRF token only on the forms "
        "that need one, fetched with them), so that the whole response, compressed, could "
        "be shared."
    ),
    "lesson_rps": (
        "(d) is one read, one upsert and a bare template. Since issue 18's third pass the "
        "lesson page reads the session's user as one Core row (id, role, language; the "
        "session live and the account active, checked on every request) and the enrolment "
        "with its progress as a row, records the visit with a Core UPDATE and commits "
        "before rendering: 3 statements, no ORM instance. Its outline, steps, header and "
        "footer, static URLs and shared macros are built once per worker. In-process it "
        "reached 0.86-0.92x (d) on SQLite and 0.75-0.78x on PostgreSQL (bench/inproc.py, "
        "table below). What is left (cProfile, SQLite): templates ~30 % (outline and "
        "macros 9 %, gettext 4 %, header and footer 3 %), the session read 12 % (most of "
        "it the pool's checkout), enrolment with progress 7 %, the response 6 %, the "
        "commit 5 %, the request context 4 %, the reading language 4 %. On PostgreSQL "
        "each statement and the commit is a psycopg round trip. Beyond this: Core "
        "connections instead of the ORM Session, or the session check merged into the "
        "page's own read (authentication mixed into progress). A per-worker user cache is "
        "ruled out: a logout or a deactivation must take effect at once on every worker."
    ),
    "lesson_p99": (
        "wrk keeps 16 requests in flight, so p99 is set by the time per request on 2 shared "
        "cores: a page that costs several times (c) in CPU (table below) has several times its "
        "p99. It follows the throughput ratio; whatever raises that lowers p99 in proportion. "
        "The next row applies the same bar to yardstick (d), which does less than the page "
        "(one read, one upsert, a bare template): (d) itself misses it in every run so far, "
        "so no page that reads and writes the database per request can meet it on this "
        "stack; the lesson page's p99 is to be read against (d)'s."
    ),
    "complete_rps": (
        "The bare route is one upsert and a commit (~0.6 ms CPU). The POST adds the "
        "session check (one Core row since issue 18's third pass, as the lesson page), "
        "the CSRF check (an HMAC), the INSERT checked against the enrolment, the "
        "enrolment with progress read after it (it must see a racing request's step to "
        "finish the course once), the commit and the redirect: 3 statements against 1. "
        "cProfile (bench/inproc.py with PROFILE='mark complete', SQLite, cumulative "
        "share): the view 35 % (the INSERT and the read after it 23 %), the session check "
        "14 %, the CSRF check 12 %, Flask's request handling and the test client the "
        "rest. Each of those is required: the session must be checked on every request (a "
        "logout counts at once), the CSRF token verified, the progress read after the "
        "write; in-process the POST is ~0.43x the bare upsert, which is the floor for "
        "three statements and two HMACs against one statement. PostgreSQL adds a round "
        "trip per statement (no pre-ping since the third pass: only a connection idle for "
        "10 s is pinged)."
    ),
    "quiz_rps": (
        "Since issue 18's third pass the submission runs 5 statements (11, then 6 before): "
        "the session, enrolment with progress, the last attempt number with the token's own "
        "(a replay?), the INSERT ... RETURNING the attempt, and the progress after it; (d) "
        "runs 2. Grading, the form and the redirect are the rest. Each statement is required "
        "(the session checked per request, the quiz open to this learner, a replayed form "
        "refused, the attempt numbered, the course finished once). In-process, the least "
        "noisy figure, it meets the bar (table below: (d) / quiz submission); through wrk "
        "its rounds also carry the connection spread over the two workers (notes column)."
    ),
    "download_rps": (
        "(b) is Flask returning bytes (~0.2 ms CPU). Since issue 18's second pass the "
        "download reads holder, digest and bytes in one indexed Core read (2 statements "
        "with the session, 3 before), answers a matching If-None-Match with 304, reads "
        "nothing for an anonymous visitor and skips the limiter. What is left (cProfile): "
        "about half is the session and its user (the owner check), a third the one read, "
        "the rest the request context and hooks. No authenticated Flask route can reach "
        "0.8x of a bare one; X-Accel-Redirect would not remove the owner check, which is "
        "the cost. PostgreSQL's slow rounds (about 390 req/s against about 690) are those "
        "where one gunicorn worker holds all 16 connections (notes: connections per worker): "
        "one process on one core, each download costing it more CPU than on SQLite (4 "
        "round trips through psycopg) plus ~0.6 ms of the database server's CPU."
    ),
    "admin_dashboard": (
        "The dashboard runs several aggregates and renders a table per course and "
        "organisation; the yardstick is one raw query computing the same figures. Look for "
        "per-course queries that could be one GROUP BY, and for missing indexes (EXPLAIN). "
        "Planner statistics are fresh here (the bench runs ANALYZE after seeding): without "
        "them the dashboard took 9 s on PostgreSQL."
    ),
    "admin_csv": (
        "Same rows on both databases; where the CSV is slow (PostgreSQL in the runs so far, "
        "and bench/admin_bench.py agrees), look at the CSV query's plan (EXPLAIN ANALYZE: a "
        "correlated subquery per row, or a missing index on lesson_completion(user_id, "
        "course_slug), is the usual cause) and stream rows in batches from a server-side "
        "cursor (yield_per)."
    ),
    "scale": (
        "Small pages (one learner, the learner list's first page) cost a few milliseconds "
        "of indexed reads, in raw SQL as in the app; the yardsticks read every figure the "
        "pages show (filter choices, account flags, audit events, last login). The page "
        "adds the request's fixed cost and its template: at 100,000 learners the learner "
        "list spends 20-25 ms of CPU, 8.6-10 ms of it rendering 100 rows, and one learner "
        "17 ms, 5 ms of it rendering (cProfile: the view, render_template, psycopg "
        "waiting on the database); neither grows with the data (compare the 'in the "
        "database' column, the part that scales). Since issue 18's third pass the "
        "completions CSV groups its figures once on PostgreSQL (steps done, best score, "
        "status, the reporting cohort: no per-row subquery)."
    ),
    "check": (
        "Since issue 18's third pass `learnapp courses ...` runs without importing Flask "
        "(269 modules against the bare script's 205, 665 before), the loader resets one "
        "Markdown instance per thread between documents instead of building one per file, "
        "and one watchdog thread serves every render-time budget (a thread per file cost "
        "a fifth of the command on a busy machine). What is left: click, the "
        "configuration and the loader's own checks (front matter, links, quizzes, "
        "complexity limits)."
    ),
    "ready": (
        "`learnapp serve` imports Flask, SQLAlchemy, the limiter and the models in the "
        "master, builds the app there (for the base-URL checks), then forks the worker, "
        "which builds it again (~0.06 s: the imports are shared). Since issue 18's second "
        "pass serving imports neither Alembic (the `db` commands bind Flask-Migrate) nor "
        "pyld, requests and lxml (signing imports them), and makes no Argon2 hash at "
        "import: ~0.7x of the time before. A loaded machine adds the rest. (gunicorn "
        "preload_app was measured: it makes a restarted worker ready at once, but not the "
        "first start.)"
    ),
    "memory": (
        "RSS of a forked worker counts the pages it shares with the master and the other "
        "workers. Since issue 18's second pass Alembic, pyld, requests and lxml are no "
        "longer imported to serve (-15 MiB). The floor of the stack, measured in fresh "
        "interpreters: Python 11 MiB RSS, with Flask 30 MiB, with Flask-SQLAlchemy 50 MiB; "
        "Babel, the limiter, cryptography (the issuer key) and Markdown add the rest. So "
        "RSS <= 60 MiB is out of reach while the server uses Flask and SQLAlchemy's ORM. A "
        "fresh worker's own memory (USS), what one more worker really costs, is ~30 MiB."
    ),
}


def _loads(values) -> str:
    return ", ".join(f"{x:.1f}" for x in values)


def _fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _targets(results: dict) -> list[tuple]:
    """(number, target, {backend: (figure text, met)}, why key)."""
    web = results.get("web", {}).get("targets", {})
    rows = []
    kinds = [k for k in ("sqlite", "postgresql") if f"lesson page [{k}]" in web]

    def ratio(name: str, base: str, kind: str, key: str = "rps") -> list[float]:
        runs, bases = web[f"{name} [{kind}]"]["runs"], web[base.format(kind=kind)]["runs"]
        return [r[key] / b[key] for r, b in zip(runs, bases, strict=True)]

    def entry(values: list[float], limit: float, higher: bool) -> tuple[str, bool]:
        mid = statistics.median(values)
        met = mid >= limit if higher else mid <= limit
        return f"{mid:.2f}x [{min(values):.2f}-{max(values):.2f}]", met

    a = "(a) bare Flask route"
    n = "(n) nginx: the same static file"
    d = "(d) template + read + upsert [{kind}]"
    w = "bare upsert + commit [{kind}]"
    c = "(c) template of a lesson page's size"
    b = "(b) bytes of a certificate's size"
    if kinds and a in web:
        for name, label in (
            ("/healthz, learner's cookie", "/healthz"),
            ("static CSS file, learner's cookie", "static CSS file"),
        ):
            rows.append(
                (
                    "18.1",
                    f"{label} req/s >= 0.5 x (a) bare Flask route",
                    {k: entry(ratio(name, a, k), 0.5, True) for k in kinds},
                    "fixed_cost",
                )
            )
        statements = results.get("inproc", {})
        if statements:
            rows.append(
                (
                    "18.1",
                    "SQL statements: /healthz (cached answer), static file; learner's cookie",
                    {
                        k: (
                            f"{v['statements']['/healthz']:.0f} and "
                            f"{v['statements']['static CSS file']:.0f}",
                            v["statements"]["/healthz"] == 0
                            and v["statements"]["static CSS file"] == 0,
                        )
                        for k, v in statements.items()
                        if "statements" in v
                    },
                    "",
                )
            )
        if n in web:
            rows.append(
                (
                    "18.6",
                    "static file req/s >= 0.5 x nginx serving it",
                    {
                        k: entry(ratio("static CSS file, learner's cookie", n, k), 0.5, True)
                        for k in kinds
                    },
                    "static_nginx",
                )
            )
        for name in ("catalogue, anonymous", "course overview, anonymous"):
            rows.append(
                (
                    "18.3",
                    f"{name} req/s >= 0.8 x (c)",
                    {k: entry(ratio(name, c, k), 0.8, True) for k in kinds},
                    "anonymous_pages",
                )
            )
    if kinds:
        rows.append(
            (
                "1",
                "lesson page req/s >= 0.9 x (d)",
                {k: entry(ratio("lesson page", d, k), 0.9, True) for k in kinds},
                "lesson_rps",
            )
        )
        c_p99 = [r["p99_ms"] for r in web[c]["runs"]]

        def p99_against_c(target: str) -> tuple[str, bool]:
            runs = web[target]["runs"]
            return entry([r["p99_ms"] / cp for r, cp in zip(runs, c_p99, strict=True)], 2, False)

        rows.append(
            (
                "1",
                "lesson page p99 <= 2 x p99 of (c)",
                {k: p99_against_c(f"lesson page [{k}]") for k in kinds},
                "lesson_p99",
            )
        )
        rows.append(
            (
                "1, ref.",
                "for comparison, yardstick (d) itself: p99 <= 2 x p99 of (c)",
                {k: p99_against_c(d.format(kind=k)) for k in kinds},
                "",
            )
        )
        rows.append(
            (
                "2",
                "mark complete req/s >= 0.8 x bare upsert",
                {k: entry(ratio("mark complete POST", w, k), 0.8, True) for k in kinds},
                "complete_rps",
            )
        )
        locked = {}
        for k in kinds:
            runs = web[f"mark complete POST [{k}]"]["runs"]
            count = max(r.get("locked", 0) for r in runs)
            errors = sum(r["non_2xx_3xx"] for r in runs)
            locked[k] = (f"{count} locked, {errors} non-2xx/3xx", count == 0 and errors == 0)
        rows.append(("2", 'zero "database is locked", 2 workers x 4 threads, -c16', locked, ""))
        rows.append(
            (
                "3",
                "quiz submission req/s >= 0.5 x (d)",
                {k: entry(ratio("quiz submission POST", d, k), 0.5, True) for k in kinds},
                "quiz_rps",
            )
        )
        rows.append(
            (
                "4",
                "certificate download req/s >= 0.8 x (b)",
                {k: entry(ratio("certificate download", b, k), 0.8, True) for k in kinds},
                "download_rps",
            )
        )
    certs = results.get("certificates", {})
    issue = {
        key.split("[")[1].rstrip("]"): (
            f"{value['ratio']:.2f}x ({value['issue_ms']} ms vs {value['bare_ms']} ms)",
            value["ratio"] <= 1.5,
        )
        for key, value in certs.items()
        if key.startswith("issue [")
    }
    if issue:
        rows.append(("4", "certificate issue (render + store) <= 1.5 x bare render", issue, ""))
    if "rss" in certs:
        rss = certs["rss"]
        rows.append(
            (
                "4",
                "RSS after 200 renders <= 1.3 x after 20",
                {
                    "-": (
                        f"{rss['ratio']:.2f}x ({rss['rss_after_20_mib']} -> "
                        f"{rss['rss_after_200_mib']} MiB)",
                        rss["ratio"] <= 1.3,
                    )
                },
                "",
            )
        )
        rows.append(
            (
                "4",
                "libharfbuzz-subset0 present (else 8x slower renders)",
                {"-": ("yes" if rss["harfbuzz_subset"] else "MISSING", rss["harfbuzz_subset"])},
                "",
            )
        )
    startup = certs.get("startup")
    if startup:
        rows.append(
            (
                "4",
                "WeasyPrint imported lazily (not by create_app)",
                {
                    "-": (
                        "lazy" if not startup["weasyprint_imported"] else "imported",
                        not startup["weasyprint_imported"],
                    )
                },
                "",
            )
        )
    admin = {k: v for k, v in (results.get("admin") or {}).items() if v and "ratio" in v}
    if admin:
        rows.append(
            (
                "5",
                "admin dashboard <= 3 x raw SQL aggregate",
                {
                    k: (
                        f"{v['ratio']:.2f}x ({v['dashboard_ms']} ms vs {v['raw_sql_ms']} ms)",
                        v["ratio"] <= 3,
                    )
                    for k, v in admin.items()
                },
                "admin_dashboard",
            )
        )
        csv = {k: v for k, v in admin.items() if "csv_rows_per_s" in v}
        rows.append(
            (
                "5",
                "completions CSV >= 20,000 rows/s",
                {
                    k: (
                        f"{_fmt(v['csv_rows_per_s'])} rows/s ({_fmt(v['csv_rows'])} rows)",
                        v["csv_rows_per_s"] >= 20_000,
                    )
                    for k, v in csv.items()
                },
                "admin_csv",
            )
        )
    for name, page in ((results.get("scale") or {}).get("pages") or {}).items():
        rows.append(
            (
                "18.10",
                f"{name} at {results['scale']['learners']:,} learners <= 3 x raw SQL",
                {
                    "postgresql": (
                        f"{page['ratio']:.2f}x ({page['page_ms']} ms vs {page['sql_ms']} ms; "
                        f"{page['statements_ms']} ms in the database)",
                        page["ratio"] <= 3,
                    )
                },
                "scale",
            )
        )
    md = results.get("markdown")
    if md:
        warm = md["inproc"]["load_catalogue_warm_s"] / md["inproc"]["bare_render_warm_s"]
        rows.append(
            (
                "6",
                "`courses check` of 100 lessons <= 1.3 x bare Markdown + nh3",
                {
                    "-": (
                        f"{md['ratio']:.2f}x ({md['check_s']:.2f} s vs "
                        f"{md['bare_s']:.2f} s; in-process "
                        f"{warm:.2f}x)",
                        md["ratio"] <= 1.3,
                    )
                },
                "check",
            )
        )
    start = results.get("worker_start", {})
    if start:
        rows.append(
            (
                "7",
                "`learnapp serve` answers <= 1 s after start",
                {
                    k: (
                        f"{v['healthz_s']:.2f} s (lesson page {v['first_lesson_page_s']:.2f} s)",
                        v["healthz_s"] <= 1.0,
                    )
                    for k, v in start.items()
                },
                "ready",
            )
        )
        rows.append(
            (
                "7",
                "worker <= 60 MiB RSS before any certificate render",
                {
                    k: (
                        f"RSS {v['rss']:.0f} / PSS {v['pss']:.0f} / USS {v['uss']:.0f} MiB",
                        v["rss"] <= 60,
                    )
                    for k, v in start.items()
                },
                "memory",
            )
        )
    return rows


def _plan_excerpt(plan: str, keep: int = 40) -> str:
    """The top of an EXPLAIN ANALYZE plan and its timings (the whole is in results.json)."""
    lines = plan.splitlines()
    if len(lines) <= keep:
        return plan
    timings = [line for line in lines[keep:] if line.startswith(("Planning Time", "Execution"))]
    return "\n".join([*lines[:keep], f"  … ({len(lines) - keep} more lines)", *timings])


def scale_section(scale: dict | None) -> list[str]:
    """Issue 18 target 10: bench/scale.py's figures and plans."""
    lines = ["", "## Scale: 100,000 learners, 2 million lesson completions (PostgreSQL)", ""]
    if not scale:
        return lines + ["Not run (BENCH_SCALE=0 or no PostgreSQL)."]
    if "error" in scale:
        return lines + [f"Failed: {scale['error']}"]
    rows = scale["rows"]
    lines += [
        "bench/scale.py seeds a scratch database in SQL (generate_series, INSERT … SELECT) "
        f"in {sum((scale.get('seed_s') or {}).values()):.0f} s: "
        + ", ".join(f"{table} {count:,}" for table, count in rows.items())
        + ". Each page is requested through the Flask test client as an administrator "
        "(median of 5, the CSV of 2, read to its end) and its yardstick reads the same "
        "figures in raw SQL through DB-API in the same run; 'in the database' is the time "
        "the page's own statements took to execute (for the streamed CSV, only until its "
        "server-side cursor opened).",
        "",
        "| page | page ms | raw SQL ms | page / SQL | in the database, ms | statements |",
        "|---|---|---|---|---|---|",
    ]
    for name, page in scale["pages"].items():
        lines.append(
            f"| {name} (`{page['url']}`) | {page['page_ms']} | {page['sql_ms']} "
            f"| {page['ratio']:.2f}x | {page['statements_ms']} | {page['statements']} |"
        )
    lines += [
        "",
        "Indexes these plans rely on: `lesson_completion (user_id, course_slug, lesson_slug)` "
        "(unique) and `ix_attempt_user_best (user_id, course_slug, quiz_slug, passed, "
        "percent)`, read as index-only scans, grouped in index order for the dashboard and "
        "probed per learner for the pages; `ix_user_name_lower (lower(name), id)` for the "
        "learner list's first page (migration k18learnername); `uq_certificate_live`, "
        "`ix_certificate_user_id`, `ix_audit_event_target` for one learner.",
    ]
    for name, page in scale["pages"].items():
        lines += [
            "",
            f"### {name}: EXPLAIN (ANALYZE, BUFFERS) of its slowest statement",
            "",
            "```",
            _plan_excerpt(page["plan"]),
            "```",
        ]
    return lines


def write_report(results: dict, path: Path) -> str:
    """Render RESULTS.md, write it to `path` and return it."""
    machine, settings = results["machine"], results["settings"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (bench/run.py) on {machine['date']}; "
        f"{results.get('elapsed_s', '?')} s in all. Re-run to refresh; figures move by "
        "10-30 % between runs on a shared machine, ratios much less.",
        "",
        f"- Machine: {machine['cpu']}, {machine['memory_gib']} GiB, {machine['os']}, "
        f"Python {machine['python']}",
        f"- Software: {machine['versions']}",
        f"- Load average (1/5/15 min) before: {_loads(machine['load_before'])}; "
        f"after: {_loads(machine.get('load_after', ()))} "
        "(other work shares these 2 cores; wrk runs on them too)",
        f"- Method: {settings['rounds']} interleaved rounds of every target, "
        f"`wrk -t2 -c{settings['connections']} -d{settings['duration_s']}s --latency` through "
        "bench/wrk/replay.lua after a 2 s warm-up; figures are medians over rounds "
        "[min-max]; a ratio is taken per round (app and yardstick measured minutes apart) and "
        "its median reported. App: `learnapp serve --workers 2 --threads 4`; yardsticks "
        "(bench/yardstick.py): gunicorn gthread 2 x 4 as well. Logged-in learners' cookies "
        "and CSRF tokens come from logging in over HTTP. SQLite: WAL, busy_timeout 10 s, "
        "synchronous=NORMAL; PostgreSQL: 127.0.0.1:5432, scratch database.",
        "",
        "## Targets (issues 9 and 18)",
        "",
        "| # | target | SQLite | PostgreSQL | met |",
        "|---|---|---|---|---|",
    ]
    unmet = []
    for number, target, figures, why in _targets(results):
        sqlite = figures.get("sqlite") or figures.get("-")
        postgres = figures.get("postgresql")
        met = all(ok for _, ok in figures.values())
        if not met and why:
            unmet.append((target, why))
        lines.append(
            f"| {number} | {target} | {sqlite[0] if sqlite else ''} "
            f"| {postgres[0] if postgres else ('same' if '-' in figures else '')} "
            f"| {'yes' if met else '**no**'} |"
        )
    web = results.get("web")
    if web:
        lines += [
            "",
            "## Web targets (wrk)",
            "",
            f"Lesson page {web['page_bytes']:,} bytes (yardstick (c) is padded to the same "
            f"size); certificate PDF {web['pdf_bytes']:,} bytes (yardstick (b) returns as "
            "many).",
            "",
            "| target | req/s median [min-max] | p50 ms | p99 ms | errors | notes |",
            "|---|---|---|---|---|---|",
        ]
        for name, data in web["targets"].items():
            s = data["summary"]
            notes = []
            runs = data["runs"]
            if "inserted" in runs[0]:
                inserted, requests = (
                    sum(r["inserted"] for r in runs),
                    sum(r["requests"] for r in runs),
                )
                notes.append(f"{inserted:,} rows inserted for {requests:,} requests")
            if "recorded" in runs[0]:
                recorded, requests = (
                    sum(r["recorded"] for r in runs),
                    sum(r["requests"] for r in runs),
                )
                notes.append(f"{recorded:,} new attempts for {requests:,} requests")
            if any(r.get("split") for r in runs):
                splits = ", ".join(r.get("split") or "?" for r in runs)
                notes.append(f"connections per worker {splits}")
            lines.append(
                f"| {name} | {_fmt(s['rps'])} [{_fmt(s['rps_min'])}-{_fmt(s['rps_max'])}] "
                f"| {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {s['non_2xx_3xx']} "
                f"| {'; '.join(notes)} |"
            )
        memory = web.get("worker_memory_after_traffic", {})
        if memory:
            lines += ["", "Worker memory after all web traffic (no certificate rendered):", ""]
            for name, m in memory.items():
                lines.append(
                    f"- {name}: RSS {m['rss']} MiB, PSS {m['pss']} MiB, USS {m['uss']} MiB; "
                    f"WeasyPrint loaded: {'yes' if m['weasyprint_loaded'] else 'no'}"
                )
    inproc = results.get("inproc")
    if inproc:
        kinds = list(inproc)
        lines += [
            "",
            "## CPU time per request, in-process (bench/inproc.py)",
            "",
            "Flask test clients, no sockets, median thread CPU time over 300 interleaved "
            "requests: the least noisy figures here, and the ones to gate regressions on.",
            "",
            "| route | " + " | ".join(f"{k} µs" for k in kinds) + " |",
            "|---|" + "---|" * len(kinds),
        ]
        for route in inproc[kinds[0]]:
            if route in ("page_bytes", "statements"):
                continue
            lines.append(f"| {route} | " + " | ".join(_fmt(inproc[k][route]) for k in kinds) + " |")
        if "statements" in inproc[kinds[0]]:
            lines += [
                "",
                "SQL statements sent per request (median; the same on every machine):",
                "",
                "| route | " + " | ".join(kinds) + " |",
                "|---|" + "---|" * len(kinds),
            ]
            for route in inproc[kinds[0]]["statements"]:
                lines.append(
                    f"| {route} | "
                    + " | ".join(f"{inproc[k]['statements'].get(route, 0):g}" for k in kinds)
                    + " |"
                )
    certs = results.get("certificates")
    if certs:
        lines += ["", "## Certificates (in-process, bench/certs.py)", ""]
        for key, value in certs.items():
            if key.startswith("issue ["):
                lines.append(
                    f"- {key}: issue {value['issue_ms']} ms {value['issue_ms_range']} vs bare "
                    f"`HTML(string=...).write_pdf()` {value['bare_ms']} ms "
                    f"{value['bare_ms_range']}, {value['n']} interleaved pairs; "
                    f"PDF {value['issued_pdf_bytes']:,} bytes"
                )
        rss = certs.get("rss")
        if rss:
            lines.append(
                f"- 200 renders in one process: RSS {rss['rss_before_mib']} MiB before, "
                f"{rss['rss_after_1_mib']} after 1, {rss['rss_after_20_mib']} after 20, "
                f"{rss['rss_after_200_mib']} after 200; median render {rss['render_ms_median']}"
                f" ms; HarfBuzz subsetting: {rss['harfbuzz_subset']}"
            )
        startup = certs.get("startup")
        if startup:
            lines.append(
                f"- `create_app()` in a fresh interpreter: {startup['interpreter_to_app_s']} s, "
                f"RSS {startup['rss_mib']} MiB, WeasyPrint imported: "
                f"{startup['weasyprint_imported']}"
            )
    md = results.get("markdown")
    if md:
        lines += [
            "",
            "## `learnapp courses check` vs bare Markdown + nh3 (100 lessons of ~900 words)",
            "",
            f"- Processes, wall time, median of {results['settings']['rounds']}: "
            f"`learnapp courses check` {md['check_s']:.2f} s "
            f"[{md['check_range'][0]:.2f}-{md['check_range'][1]:.2f}], bare "
            f"(`python bench/markdown_bare.py`) {md['bare_s']:.2f} s "
            f"[{md['bare_range'][0]:.2f}-{md['bare_range'][1]:.2f}]",
            f"- In one warm process: the app's loader {md['inproc']['load_catalogue_warm_s']} s,"
            f" bare render {md['inproc']['bare_render_warm_s']} s",
        ]
    start = results.get("worker_start")
    if start:
        lines += ["", "## `learnapp serve --workers 1` start-up", ""]
        for kind, value in start.items():
            runs = "; ".join(
                f"{r['healthz_s']:.2f} s / {r['first_lesson_page_s']:.2f} s" for r in value["runs"]
            )
            lines.append(
                f"- {kind}: launch to first /healthz 200 / first lesson page: {runs}; worker "
                f"after 30 lessons, a quiz page, /me and a download: RSS {value['rss']:.0f}, "
                f"PSS {value['pss']:.0f}, USS {value['uss']:.0f} MiB"
            )
    lines += ["", "## Admin dashboard at 10,000 learners", ""]
    if not any((results.get("admin") or {}).values()):
        lines.append("Not run (bench/seed_admin.py absent or BENCH_ADMIN=0).")
    else:
        lines += [
            "The yardstick here computes the dashboard's own figures in one query (enrolled, "
            "in progress, completed, certified, average best score per course and "
            "organisation: `RAW_AGGREGATE` in bench/run.py). bench/admin_bench.py's own "
            "yardstick only counts rows, a lighter query, hence its larger ratios.",
        ]
    for kind, admin in (results.get("admin") or {}).items():
        if admin is None:  # BENCH_ADMIN=0
            continue
        lines += ["", f"### {kind}", ""]
        if "error" in admin:
            lines.append(f"Failed: {admin['error']}")
            continue
        lines.append(
            f"- Seeded by bench/seed_admin.py in {admin['seed_s']} s. GET /admin/ "
            f"(sequential, median of 10): {admin.get('dashboard_ms')} ms, HTTP "
            f"{admin.get('dashboard_status')}; raw SQL aggregate: {admin['raw_sql_ms']} ms"
        )
        if "csv_rows" in admin:
            lines.append(
                f"- GET /admin/reports/completions.csv: {admin['csv_rows']:,} rows, "
                f"{admin['csv_rows_per_s']:,} rows/s"
            )
        else:
            lines.append(f"- completions CSV: HTTP {admin.get('csv_status')}")
        if admin.get("admin_bench_output"):
            lines += ["", "bench/admin_bench.py:", "", "```", admin["admin_bench_output"], "```"]
    lines += ["", "## Bulk import of 10,000 learners", ""]
    if results.get("import"):
        lines += [
            "bench/import_bench.py: a partner manager's CSV through upload, preview and "
            "confirm (goal: under a minute), then that manager's dashboard against a raw SQL "
            "aggregate of the same organisation (goal: ≤ 3×).",
            "",
            "```",
            results["import"],
            "```",
        ]
    else:
        lines.append("Not run (BENCH_IMPORT=0).")
    lines += scale_section(results.get("scale"))
    for name, text in (results.get("profiles") or {}).items():
        if name == list(results["profiles"])[0]:
            lines += [
                "",
                "## Profiles (bench/cprofile_route.py, SQLite, served configuration)",
                "",
                "cProfile over many requests of one route through the Flask test client; the "
                "top frames by own time. Profiling slows Python calls more than C, so read "
                "the proportions, not the times.",
            ]
        lines += ["", f"### {name}", "", "```", text, "```"]
    if unmet:
        lines += ["", "## Targets not met: why, and what would meet them", ""]
        seen = set()
        for target, why in unmet:
            if why in seen:
                continue
            seen.add(why)
            lines.append(f"- **{target}.** {WHY[why]}")
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text
