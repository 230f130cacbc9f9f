#!/usr/bin/python3
"""make report-check: export a run of the `suppression` fixture into a throwaway database of the
local cluster, open every page in headless Chromium and fail on any console message or broken
link; write a screenshot of each kind of page and print the board pages to PDF (export --pdf).

Debian's /usr/bin/python3 on purpose: psycopg2 comes from python3-psycopg2.
Console messages: headless Chromium logs every console message (log, warning, error, uncaught
exception) at the same INFO level on stderr, so any CONSOLE line fails the check — the report
pages write nothing to the console by design.
"""
import html.parser
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

import psycopg2
import psycopg2.extensions

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(os.environ.get("THROUGHCARE_BIN", ROOT / ".build/debug/throughcare"))
FIXTURE = ROOT / "Tests/AggregateTests/Fixtures/suppression"
SCREENSHOTS = ROOT / "notebooks-export/screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SANDBOX = ["--no-sandbox"] if os.geteuid() == 0 else []


class Links(html.parser.HTMLParser):
    """Every href/src of a page, and the ids it defines (for #fragment links)."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse(page):
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(page, cache):
    problems = []
    for link in parse(page).links:
        url = urllib.parse.urlsplit(link)
        if url.scheme in ("http", "https", "mailto", "data"):
            continue  # outside the export; not ours to check offline
        target = page if not url.path else (page.parent / urllib.parse.unquote(url.path)).resolve()
        if not target.is_file():
            problems.append(f"{page.name}: {link} -> no file {target}")
        elif url.fragment and target.suffix == ".html":
            ids = cache.setdefault(target, parse(target).ids)
            if url.fragment not in ids:
                problems.append(f"{page.name}: {link} -> no id {url.fragment} in {target.name}")
    return problems


def console_messages(page):
    result = subprocess.run(
        [CHROMIUM, "--headless", *SANDBOX, "--disable-gpu", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        return [f"{page.name}: chromium exit {result.returncode}: {result.stderr[-300:]}"]
    return [f"{page.name}: {line}" for line in result.stderr.splitlines() if ":CONSOLE" in line]


def screenshot(page, name):
    target = SCREENSHOTS / f"{name}.png"
    subprocess.run([CHROMIUM, "--headless", *SANDBOX, "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1280,2400", f"--screenshot={target}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    return target


def main():
    if CHROMIUM is None:
        sys.exit("report-check: chromium is missing (apt-get install chromium; make report-check does this)")
    if not BIN.exists():
        sys.exit(f"report-check: {BIN} is missing; run `swift build` first")
    subprocess.run([BIN, "db", "start"], check=True, capture_output=True)
    located = subprocess.run([BIN, "db", "url"], check=True, capture_output=True, text=True)
    server = located.stdout.strip()
    # the password stays in the cluster's pgpass file, which `db url` names on stderr
    for line in located.stderr.splitlines():
        if "PGPASSFILE=" in line:
            os.environ["PGPASSFILE"] = line.split("PGPASSFILE=", 1)[1].strip()
    database = "report_check_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{database}"')  # a name we made, not input
    environment = dict(os.environ, DATABASE_URL=psycopg2.extensions.make_dsn(server, dbname=database))
    out = pathlib.Path(tempfile.mkdtemp(prefix="report-check-"))
    try:
        def tool(*arguments):
            subprocess.run([BIN, *arguments, "--quiet"], check=True, env=environment)

        tool("ingest", str(FIXTURE))
        tool("transform")
        tool("aggregate", "--from", "2024-01-01", "--to", "2024-04-01", "--period", "month", "--publish")
        tool("export", "--out", str(out), "--pdf")
        run = next(out.glob("run-*"))
        pages = sorted(run.glob("*.html"))
        problems, cache = [], {}
        for page in pages:
            problems += broken_links(page, cache)
            problems += console_messages(page)
        for pdf in ["index.pdf"] + [p.with_suffix(".pdf").name for p in pages if p.name.startswith("region-")]:
            path = run / pdf
            if not path.is_file() or not path.read_bytes().startswith(b"%PDF"):
                problems.append(f"export --pdf wrote no {pdf}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        kinds = {"national": run / "index.html"}
        for kind, prefix in (("region", "region-"), ("group", "group-"), ("establishment", "establishment-")):
            first = next((p for p in pages if p.name.startswith(prefix)), None)
            if first is None:
                problems.append(f"no {kind} page")
            else:
                kinds[kind] = first
        for kind, page in kinds.items():
            print(f"screenshot {kind}: {screenshot(page, kind)}")
        print(f"report-check: {len(pages)} pages, {len(problems)} problem(s)")
        for problem in problems:
            print("  " + problem)
        return 1 if problems else 0
    finally:
        shutil.rmtree(out, ignore_errors=True)
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{database}" with (force)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
