"""Feeds (issue: sources that feed the digest): a local HTTP server serves RSS and Atom feeds
and article pages built from real news text (the ECB+ dev reports), with ETags, a redirect,
a 500, a slow page, a tracking-parameter copy of a URL and a republished copy of a story."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from service_fixtures import database_url, running_service

from briefing.errors import FetchError, FetchRefusedError
from briefing.feeds.fetch import check_url, fetch
from briefing.settings import Settings
from briefing.store import feeds as feed_store

DEV = Path(__file__).resolve().parent.parent / "eval/data/ecbplus-dev"
STORIES = {
    1: ("1_10ecb.txt", "Daily Planet", "2008-09-15"),
    2: ("4_10ecb.txt", "Daily Planet", "2008-09-12"),
    3: ("3_1ecb.txt", "Daily Planet", "2008-08-26"),
    4: ("12_10ecb.txt", "Daily Planet", "2008-12-11"),
}


def _text(n: int) -> str:
    return (DEV / STORIES[n][0]).read_text(encoding="utf-8")


def _page(n: int, base: str, *, intro: str = "", site: str | None = None) -> bytes:
    _, sitename, date = STORIES[n]
    lines = _text(n).strip().splitlines()
    body = "".join(f"<p>{html.escape(line)}</p>" for line in [intro, *lines] if line)
    return (
        "<!doctype html><html><head>"
        f"<title>{html.escape(lines[0][:60])}</title>"
        f'<meta property="og:site_name" content="{site or sitename}">'
        f'<meta property="article:published_time" content="{date}">'
        f'<link rel="canonical" href="{base}/a/{n}.html">'
        "</head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(lines[0][:60])}</h1>{body}</article>"
        "<footer>Copyright</footer></body></html>"
    ).encode()


def _rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f"<guid>{html.escape(link)}</guid><description>{html.escape(summary)}</description>"
        "<pubDate>Mon, 15 Sep 2008 10:00:00 GMT</pubDate></item>"
        for t, link, summary in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Planet World</title>'
        f"<link>{base}/</link><description>World news</description>{entries}</channel></rss>"
    ).encode()


def _atom(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<entry><title>{html.escape(t)}</title><link href='{html.escape(link)}'/>"
        f"<id>urn:x:{i}</id><updated>2008-09-16T08:00:00Z</updated>"
        f"<summary>{html.escape(summary)}</summary></entry>"
        for i, (t, link, summary) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Wire Watch</title><id>urn:x:feed</id><updated>2008-09-16T08:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


class Site:
    """What the local server serves, and what it was asked."""

    def __init__(self) -> None:
        self.base = ""
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.etag = '"v1"'
        self.extra: dict[str, bytes] = {}  # more pages a test adds

    def route(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((path, headers))
        base = self.base
        if path in self.extra:
            return 200, {"Content-Type": "text/html"}, self.extra[path]
        if path == "/rss.xml":
            if headers.get("If-None-Match") == self.etag:
                return 304, {"ETag": self.etag}, b""
            items = [
                ("Story one", f"{base}/a/1.html", "Summary one."),
                ("Story two", f"{base}/redirect/2", "Summary two."),
                ("Story three", f"{base}/broken.html", "Tara Reid's rep spoke to the press."),
            ]
            return (
                200,
                {"ETag": self.etag, "Content-Type": "application/rss+xml"},
                _rss(base, items),
            )
        if path == "/atom.xml":
            items = [  # newest first, as feeds list them
                ("Slow story", f"{base}/slow.html", "The slow page's summary."),
                ("Story four, republished", f"{base}/c/4.html", "Summary four."),
                ("Story four", f"{base}/b/4.html", "Summary four."),
                ("Story one again", f"{base}/a/1.html?utm_source=feed&utm_medium=rss", "x"),
            ]
            return 200, {"Content-Type": "application/atom+xml"}, _atom(base, items)
        if path.startswith("/a/"):
            n = int(path.split("/")[2].split(".")[0])
            return 200, {"Content-Type": "text/html"}, _page(n, base)
        if path == "/b/4.html":
            return 200, {"Content-Type": "text/html"}, _page(4, f"{base}/b-canonical")
        if path == "/c/4.html":  # another outlet runs the wire story with its own first line
            page = _page(4, f"{base}/c-canonical", intro="(Wire) Reprinted.", site="Other Times")
            return 200, {"Content-Type": "text/html"}, page
        if path.startswith("/redirect/"):
            return 302, {"Location": f"/a/{path.rsplit('/', 1)[1]}.html"}, b""
        if path == "/broken.html":
            return 500, {}, b"oops"
        if path == "/slow.html":
            time.sleep(2.5)
            return 200, {"Content-Type": "text/html"}, _page(3, base)
        return 404, {}, b"not here"


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = state.route(self.path, dict(self.headers))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError):  # the slow page: the client gave up
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path, site: Site) -> Iterator[Any]:
    settings = Settings(
        database_url=database_url(request.param, tmp_path),
        scheduler_enabled=False,
        fetch_allow=["127.0.0.1"],
        fetch_timeout_s=1.0,
        feed_min_interval_s=60,
    )
    with running_service(settings) as (client, service, _key, _model):
        yield client, service


def _report(client: Any, report_id: str) -> dict[str, Any]:
    got = client.get(f"/v1/reports/{report_id}")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def test_new_items_become_reports_and_a_second_poll_adds_nothing(served: Any, site: Site) -> None:
    client, _service = served
    created = client.post(
        "/v1/feeds",
        json={"url": f"{site.base}/rss.xml", "tags": ["world"], "interval_s": 600},
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    first = client.post(f"/v1/feeds/{feed['id']}/poll").json()
    assert first == first | {"entries": 3, "new": 3, "stored": 3, "duplicates": 0, "failed": 0}
    items = {i["guid"].rsplit("/", 1)[1]: i for i in client.get(feed["items_url"]).json()}

    one = _report(client, items["1.html"]["report_id"])
    assert one["source"] == "Daily Planet" and one["published_at"] == "2008-09-15"
    assert one["url"] == f"{site.base}/a/1.html" and one["tags"] == ["world"]
    assert "Tara Reid checked herself into Promises" in one["text"]
    assert "Home" not in one["text"] and "Copyright" not in one["text"]  # the page's chrome

    redirected = items["2"]
    assert redirected["status"] == "stored" and redirected["canonical_url"].endswith("/a/2.html")
    assert _text(2).splitlines()[0][:40] in _report(client, redirected["report_id"])["text"]

    broken = items["broken.html"]  # the page answered 500: the feed's summary is stored
    assert broken["status"] == "summary"
    assert _report(client, broken["report_id"])["text"].startswith("Tara Reid's rep")
    errors = client.get(feed["errors_url"]).json()
    assert [e["stage"] for e in errors] == ["page"] and "500" in errors[0]["message"]

    second = client.post(f"/v1/feeds/{feed['id']}/poll").json()
    assert second["not_modified"] is True and second["new"] == 0
    feed_asks = [h for path, h in site.requests if path == "/rss.xml"]
    assert feed_asks[-1].get("If-None-Match") == '"v1"'
    assert len(client.get(feed["items_url"]).json()) == 3
    listed = client.get("/v1/feeds").json()
    assert [f["id"] for f in listed] == [feed["id"]] and listed[0]["last_polled_at"]


def test_a_copy_under_another_url_and_a_republished_story_are_linked(
    served: Any, site: Site
) -> None:
    client, _service = served
    rss = client.post("/v1/feeds", json={"url": f"{site.base}/rss.xml"}).json()
    client.post(f"/v1/feeds/{rss['id']}/poll")
    atom = client.post("/v1/feeds", json={"url": f"{site.base}/atom.xml", "name": "Wire"}).json()
    result = client.post(f"/v1/feeds/{atom['id']}/poll").json()
    assert result["new"] == 4 and result["duplicates"] == 1, result
    items = {i["url"].split("/", 3)[3]: i for i in client.get(atom["items_url"]).json()}
    first = {i["url"]: i for i in client.get(rss["items_url"]).json()}[f"{site.base}/a/1.html"]

    tracked = items["a/1.html?utm_source=feed&utm_medium=rss"]
    assert tracked["status"] == "duplicate" and tracked["duplicate_of"] == first["report_id"]
    assert tracked["report_id"] is None

    original, reprint = items["b/4.html"], items["c/4.html"]
    assert original["status"] == "stored"
    assert reprint["status"] == "near-duplicate" and reprint["report_id"]
    assert reprint["duplicate_of"] == original["report_id"]
    assert _report(client, reprint["report_id"])["source"] == "Wire"

    slow = items["slow.html"]  # over the 1 s fetch limit: the summary, and the error logged
    assert slow["status"] == "summary"
    errors = client.get(atom["errors_url"]).json()
    assert any(e["stage"] == "page" and "took over" in e["message"] for e in errors), errors


def test_private_addresses_are_refused_unless_allowed(served: Any, site: Site) -> None:
    client, service = served
    refused = client.post("/v1/feeds", json={"url": "http://10.11.12.13/feed.xml"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["title"] == "URL refused" and "BRIEFING_FETCH_ALLOW" in refused.text
    scheme = client.post("/v1/feeds", json={"url": "file:///etc/passwd"})
    assert scheme.status_code == 422

    stored = client.post("/v1/reports", json={"url": f"{site.base}/a/3.html", "tags": ["x"]})
    assert stored.status_code == 201, stored.text
    report = _report(client, stored.json()["id"])
    assert report["source"] == "Daily Planet" and report["tags"] == ["x"]
    assert _text(3).splitlines()[0][:40] in report["text"]

    strict = Settings(fetch_timeout_s=1.0)
    with pytest.raises(FetchRefusedError):
        check_url(f"{site.base}/a/3.html", strict)
    with pytest.raises(FetchRefusedError):  # a redirect into the private network
        fetch(f"{site.base}/redirect/1", strict)
    with pytest.raises(FetchRefusedError):
        check_url("http://169.254.169.254/latest/meta-data/", strict)
    allowed = Settings(fetch_allow=["127.0.0.1"], fetch_max_bytes=1024)
    big = max(STORIES, key=lambda n: len(_page(n, site.base)))
    assert len(_page(big, site.base)) > 1024
    with pytest.raises(FetchError, match="BRIEFING_FETCH_MAX_BYTES"):
        fetch(f"{site.base}/a/{big}.html", allowed)
    assert service.feeds() == []


def test_one_poll_per_feed_and_interval_across_processes(tmp_path: Path, site: Site) -> None:
    """Two schedulers that read the same due feed: only one claim moves its next poll."""
    from briefing.schemas.feed import FeedIn
    from briefing.store.db import Database

    db = Database(database_url("postgres", tmp_path))
    db.migrate()
    feed = feed_store.create_feed(db, FeedIn(url=f"{site.base}/rss.xml", interval_s=600), None)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    seen_by_a = feed_store.due_feeds(db, now)
    seen_by_b = feed_store.due_feeds(db, now)
    assert [r.id for r in seen_by_a] == [r.id for r in seen_by_b] == [feed.id]
    claims = [
        feed_store.claim_poll(db, seen_by_a[0], now),
        feed_store.claim_poll(db, seen_by_b[0], now),
    ]
    assert claims == [True, False]
    assert feed_store.due_feeds(db, now) == []
    db.engine.dispose()


def test_the_scheduler_polls_due_feeds_and_backs_off_after_failures(
    served: Any, site: Site
) -> None:
    """Under a controllable clock: a due feed is polled once; not again before its interval;
    after its interval by a conditional GET; a failing feed's next poll backs off."""
    from briefing.digest.scheduler import Scheduler

    client, service = served
    feed = client.post("/v1/feeds", json={"url": f"{site.base}/rss.xml", "interval_s": 600})
    broken = client.post("/v1/feeds", json={"url": f"{site.base}/broken.html", "interval_s": 60})
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    scheduler = Scheduler(service, clock=lambda: start)
    first = {r.feed_id: r for r in scheduler.poll_feeds(start)}
    assert first[feed.json()["id"]].new == 3
    assert first[broken.json()["id"]].error and "500" in (first[broken.json()["id"]].error or "")
    assert scheduler.poll_feeds(start + dt.timedelta(seconds=30)) == []
    failing = service.feed(broken.json()["id"])
    assert failing.failures == 1
    assert failing.next_poll_at - start >= dt.timedelta(seconds=120)  # 60 s x 2^1
    later_at = start + dt.timedelta(seconds=601)
    later = {r.feed_id: r for r in scheduler.poll_feeds(later_at)}
    assert later[feed.json()["id"]].not_modified is True
    assert later[broken.json()["id"]].error
    failing = service.feed(broken.json()["id"])
    assert failing.failures == 2
    assert failing.next_poll_at - later_at >= dt.timedelta(seconds=240)  # 60 s x 2^2
    errors = client.get(broken.json()["errors_url"]).json()
    assert len(errors) == 2 and errors[0]["stage"] == "feed" and "500" in errors[0]["message"]


def test_the_publishers_grade_from_its_feed_reaches_the_brief(served: Any, site: Site) -> None:
    """A feed's default reliability is its publisher's grade: stored with each report, and
    given in the brief to the source named like the publisher (instead of its kind's)."""
    from conftest import EXAMPLE

    from briefing.store.reports import get_report

    client, service = served
    example = EXAMPLE.read_text(encoding="utf-8").split("\n", 1)[1]
    site.extra["/isw.html"] = (
        "<html><head><title>Russian command changes in Syria</title></head><body><article>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in example.splitlines() if p.strip())
        + "</article></body></html>"
    ).encode()
    site.extra["/isw.xml"] = _rss(site.base, [("Syria update", f"{site.base}/isw.html", "x")])
    feed = client.post(
        "/v1/feeds", json={"url": f"{site.base}/isw.xml", "name": "ISW", "reliability": "A"}
    ).json()
    assert client.post(f"/v1/feeds/{feed['id']}/poll").json()["stored"] == 1
    item = client.get(feed["items_url"]).json()[0]
    stored = _report(client, item["report_id"])
    assert stored["source"] == "ISW" and stored["source_reliability"] == "A"

    brief, _, _ = service.brief_for(get_report(service.db, item["report_id"]), use_model=False)
    grades = {s.name: s for s in brief.sources}
    assert grades["ISW"].reliability.value == "A", grades
    assert "publisher" in grades["ISW"].rationale
    assert grades["HUR"].reliability.value == "C"  # other sources keep their kind's grade


def test_the_command_line_subscribes_lists_and_polls(tmp_path: Path, site: Site) -> None:
    """`briefing feeds add/list/poll` on a database of its own: a refused address is one
    clear line and exit code 2; an allowed feed is polled into reports (JSON lines)."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env["BRIEFING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "briefing.cli", "feeds", *args],
            capture_output=True,
            text=True,
            env=env | extra,
            timeout=120,
            check=False,
        )

    refused = cli("add", f"{site.base}/rss.xml")
    assert refused.returncode == 2, refused.stderr
    assert "BRIEFING_FETCH_ALLOW" in refused.stderr and "Traceback" not in refused.stderr
    allow = {"BRIEFING_FETCH_ALLOW": '["127.0.0.1"]'}
    added = cli("add", f"{site.base}/rss.xml", "--tag", "world", "--interval", "600", **allow)
    assert added.returncode == 0, added.stderr
    feed_id = added.stdout.strip()
    listed = cli("list")
    assert listed.stdout.startswith(feed_id) and "polled never" in listed.stdout
    polled = cli("poll", **allow)
    assert polled.returncode == 0, polled.stderr
    result = json.loads(polled.stdout.splitlines()[0])
    assert result["feed_id"] == feed_id and result["new"] == 3 and result["stored"] == 3
    assert "polled never" not in cli("list").stdout


def test_an_entry_recorded_by_a_concurrent_poll_is_not_an_error(tmp_path: Path) -> None:
    """A manual poll beside the scheduler's may meet the same new entry: the second record
    of it is skipped, not a 500."""
    from briefing.schemas.feed import FeedIn
    from briefing.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'race.db'}")
    db.migrate()
    feed = feed_store.create_feed(db, FeedIn(url="https://news.example/rss.xml"), None)
    first = feed_store.add_item(db, feed.id, guid="g1", url=None, status="failed")
    second = feed_store.add_item(db, feed.id, guid="g1", url=None, status="failed")
    assert first is not None and second is None
    assert [i.guid for i in feed_store.items(db, feed.id)] == ["g1"]
    db.engine.dispose()


def test_the_connection_goes_to_the_address_that_was_checked(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second lookup for a DNS rebinding to answer: a name is resolved once, checked, and
    the request sent to that address with the name in the Host header."""
    import socket

    real = socket.getaddrinfo
    lookups: list[str] = []
    port = int(site.base.rsplit(":", 1)[1])

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    got = fetch(f"http://rebind.test:{port}/a/1.html", Settings(fetch_allow=["127.0.0.0/8"]))
    assert got.status == 200 and b"Tara Reid" in got.body
    assert got.url == f"http://rebind.test:{port}/a/1.html"
    assert lookups == ["rebind.test"]  # once: the check's; the connection used its answer
    path, headers = site.requests[-1]
    assert path == "/a/1.html" and headers["Host"] == f"rebind.test:{port}"
    with pytest.raises(FetchRefusedError):  # the same name, not allowed, is refused
        fetch(f"http://rebind.test:{port}/a/1.html", Settings())


def test_a_null_in_a_feed_update_leaves_required_fields_and_clears_optional_ones(
    served: Any, site: Site
) -> None:
    client, _service = served
    feed = client.post(
        "/v1/feeds", json={"url": f"{site.base}/rss.xml", "name": "N", "reliability": "B"}
    ).json()
    changed = client.patch(
        f"/v1/feeds/{feed['id']}",
        json={"enabled": None, "interval_s": None, "url": None, "name": None, "reliability": None},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["enabled"] is True and body["interval_s"] == 900 and body["url"] == feed["url"]
    assert body["name"] is None and body["reliability"] is None


def test_on_celery_the_scheduler_claims_a_poll_and_a_worker_polls(
    tmp_path: Path, site: Site
) -> None:
    """BRIEFING_QUEUE=celery: the replica's scheduler claims the due poll and sends it as a
    task; a `briefing worker` fetches the feed and stores its items."""
    import time

    import httpx
    from service_fixtures import POSTGRES_URL

    from eval.cluster import Cluster

    settings = {
        "BRIEFING_SCHEDULER_ENABLED": "true",
        "BRIEFING_SCHEDULER_POLL_S": "1",
        "BRIEFING_FETCH_ALLOW": '["127.0.0.1"]',
        "BRIEFING_FEED_MIN_INTERVAL_S": "60",
    }
    with Cluster(tmp_path, POSTGRES_URL, workers=1, settings=settings) as c:
        headers = {"Authorization": f"Bearer {c.key}"}
        with httpx.Client(base_url=c.bases[0], headers=headers, timeout=30) as http:
            feed = http.post("/v1/feeds", json={"url": f"{site.base}/rss.xml", "interval_s": 600})
            items_url = feed.json()["items_url"]
            deadline = time.monotonic() + 60
            while len(items := http.get(items_url).json()) < 3:
                assert time.monotonic() < deadline, items
                time.sleep(0.5)
        worker = (tmp_path / "worker-0.log").read_text()
    assert "stored" in {i["status"] for i in items}  # (the site's broken page: "summary")
    assert "briefing.poll_feed[" in worker
