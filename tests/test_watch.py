"""sitrep watch: feeds on a loopback server that change between polls (no network)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time

import pytest
from conftest import ROOT, SITREP
from loopback_server import page, send, serve

from sitrep.errors import UsageError
from sitrep.store import open_store
from sitrep.watch import FeedError, Watcher, parse_duration, parse_feed


def article_html(n: int) -> str:
    return (
        f"<html><head><title>Report number {n}</title>"
        f"<meta property='article:published_time' content='2017-06-{10 + n:02d}T08:00:00Z'></head><body>"
        f"<article><h1>Report number {n}</h1><p>Report {n}: government forces shelled the eastern "
        "districts of the town on Tuesday, killing at least twelve civilians, according to a monitor.</p>"
        f"<p>Residents of district {n} said the strikes hit a market and two residential buildings.</p>"
        "<h3>Leave A Reply</h3><p>Your email address will not be published.</p></article></body></html>"
    )


def rss(base: str, items: list[int], extra: str = "") -> str:
    body = "".join(
        f"<item><title>Report number {n}</title><link>{base}/a/{n}</link><guid>urn:report:{n}</guid>"
        f"<pubDate>Mon, {10 + n:02d} Jun 2017 08:00:00 GMT</pubDate></item>"
        for n in sorted(items, reverse=True)
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Test feed</title>{body}{extra}</channel></rss>"


class FeedRoute:
    """A feed that honours If-None-Match, and that the test changes between polls."""

    def __init__(self, server, items: list[int]) -> None:
        self.server = server
        self.items = items
        self.version = 1
        self.honour_etag = True
        self.hits = 0

    def __call__(self, h) -> None:
        self.hits += 1
        etag = f'"v{self.version}"'
        if self.honour_etag and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        body = rss(self.server.base, self.items).encode()
        send(h, 200, body, "application/rss+xml", {"ETag": etag})

    def change(self, items: list[int]) -> None:
        self.items = items
        self.version += 1


def identity(article):
    return article


@pytest.fixture()
def site():
    with serve() as server:
        for n in range(1, 10):
            server.routes[f"/a/{n}"] = page(article_html(n))
        yield server


def make(server, db, feed="/feed", **kw):
    lines: list[str] = []
    store = open_store(db)
    w = Watcher(
        [server.url(feed)], store, every=60, allow_private=True, analyse=identity, echo=lines.append, **kw
    )
    return w, lines, store


def test_polls_remember_and_pick_up_changes(site, tmp_path):
    db = str(tmp_path / "w.db")
    feed = FeedRoute(site, [1, 2])
    site.routes["/feed"] = feed
    w, lines, store = make(site, db)
    (first,) = w.poll()
    assert (first.status, first.new) == ("ok", 2)
    assert len(lines) == 2 and lines[0].startswith("new 2017-06-11 [Test feed] Report number 1")
    assert site.url("/a/1") in lines[0]
    arts = list(store.articles())
    assert len(arts) == 2
    texts = [
        json.loads(r["record"])["text"] if "record" in r else ""
        for r in store.query("SELECT record FROM articles")
    ]
    assert all("Leave A Reply" not in t and "government forces" in t for t in texts)

    # not due yet: skipped; forced: the server answers 304 Not Modified
    assert w.poll()[0].status == "skipped"
    again = w.poll(force=True)[0]
    assert again.status == "not-modified" and again.new == 0 and len(lines) == 2

    feed.change([1, 2, 3])
    third = w.poll(force=True)[0]
    assert (third.status, third.new) == ("ok", 1) and "Report number 3" in lines[-1]
    store.close()

    # a restart: the state is in the store; a server that ignores ETags changes nothing
    feed.honour_etag = False
    w2, lines2, store2 = make(site, db)
    assert w2.poll(force=True)[0].new == 0 and lines2 == []
    assert len(list(store2.articles())) == 3
    store2.close()


def test_failing_feed_backs_off(site, tmp_path):
    now = [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)]
    site.routes["/feed"] = page("busy", "text/plain", status=503, headers={"Retry-After": "300"})
    w, _, store = make(site, str(tmp_path / "w.db"), clock=lambda: now[0])
    out = w.poll()[0]
    assert out.status == "error" and "503" in out.message
    state = w.state.feed(site.url("/feed"))
    assert state["failures"] == 1
    assert dt.datetime.fromisoformat(state["next_poll"]) == now[0] + dt.timedelta(seconds=300)
    now[0] += dt.timedelta(seconds=299)
    assert w.poll()[0].status == "skipped"
    site.routes["/feed"] = page("<html>not a feed</html>", "text/html")
    waits = []
    for _ in range(4):
        now[0] += dt.timedelta(days=1)
        assert w.poll()[0].status == "error"
        state = w.state.feed(site.url("/feed"))
        waits.append((dt.datetime.fromisoformat(state["next_poll"]) - now[0]).total_seconds())
    assert waits == [120, 240, 480, 960]  # every * 2 ** (failures - 1)
    assert "not an RSS or Atom feed" in state["last_error"]
    # back to normal: failures reset
    site.routes["/feed"] = FeedRoute(site, [1])
    now[0] += dt.timedelta(days=1)
    assert w.poll()[0].new == 1
    assert w.state.feed(site.url("/feed"))["failures"] == 0
    store.close()


def test_item_page_errors_are_retried_then_given_up(site, tmp_path):
    site.routes["/feed"] = FeedRoute(site, [1, 2])
    site.routes["/a/2"] = page("down", "text/plain", status=500)
    w, lines, store = make(site, str(tmp_path / "w.db"))
    out = w.poll(force=True)[0]
    assert (out.new, out.failed) == (1, 1)
    site.routes["/feed"].honour_etag = False
    site.routes["/a/2"] = page(article_html(2))
    out = w.poll(force=True)[0]
    assert (out.new, out.failed) == (1, 0) and "Report number 2" in lines[-1]
    # a page that never works is tried MAX_ATTEMPTS times, then left alone
    site.routes["/feed"].change([1, 2, 7])
    site.routes["/a/7"] = page("gone", "text/plain", status=502)
    fails = [w.poll(force=True)[0].failed for _ in range(5)]
    assert fails == [1, 1, 1, 0, 0]
    store.close()


def test_items_without_link_use_the_feed_content(site, tmp_path):
    content = " ".join(["Shelling hit the eastern districts of the town on Tuesday, a monitor said."] * 3)
    atom = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>Atom test</title>"
        "<entry><id>tag:x,2017:1</id><title>No link</title><updated>2017-06-15T10:00:00Z</updated>"
        f"<content type='html'>&lt;p&gt;{content}&lt;/p&gt;</content></entry></feed>"
    )
    site.routes["/atom"] = page(atom, "application/atom+xml")
    w, lines, store = make(site, str(tmp_path / "w.db"), feed="/atom")
    assert w.poll()[0].new == 1
    (row,) = list(store.articles())
    assert row["published"] == "2017-06-15"
    store.close()


def test_private_feed_refused_without_allow_private(site, tmp_path):
    site.routes["/feed"] = FeedRoute(site, [1])
    store = open_store(str(tmp_path / "w.db"))
    w = Watcher([site.url("/feed")], store, analyse=identity, echo=lambda s: None)
    out = w.poll()[0]
    assert out.status == "error" and "refused" in out.message
    store.close()


def test_bad_arguments(tmp_path):
    store = open_store(str(tmp_path / "w.db"))
    with pytest.raises(UsageError):
        Watcher([], store)
    with pytest.raises(UsageError):
        Watcher(["ftp://x/feed"], store)
    store.close()


# -- feeds ------------------------------------------------------------------------------------


def test_parse_rss_atom_rdf_json():
    feed = parse_feed(rss("https://n.example", [1, 2]))
    assert feed.title == "Test feed"
    assert [(i.id, i.url, i.published) for i in feed.items] == [
        ("urn:report:2", "https://n.example/a/2", "2017-06-12"),
        ("urn:report:1", "https://n.example/a/1", "2017-06-11"),
    ]
    atom = parse_feed(
        b"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>"
        b"<entry><id>tag:a,1</id><title>T</title><link rel='self' href='/self'/><link href='/a/1'/>"
        b"<published>2017-06-15T10:00:00+03:00</published></entry></feed>",
        "https://n.example/feed.xml",
    )
    (item,) = atom.items
    assert (item.id, item.url, item.published) == ("tag:a,1", "https://n.example/a/1", "2017-06-15")
    rdf = parse_feed(
        b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'"
        b" xmlns:dc='http://purl.org/dc/elements/1.1/'><channel><title>R</title></channel>"
        b"<item rdf:about='https://n.example/r1'><title>R1</title><link>https://n.example/r1</link>"
        b"<dc:date>2017-06-14</dc:date></item></rdf:RDF>"
    )
    assert [(i.id, i.url, i.published) for i in rdf.items] == [
        ("https://n.example/r1", "https://n.example/r1", "2017-06-14")
    ]
    jf = parse_feed(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "J",
                "items": [{"id": 7, "url": "https://n.example/j", "date_published": "2017-06-13T00:00:00Z"}],
            }
        )
    )
    assert [(i.id, i.url, i.published) for i in jf.items] == [("7", "https://n.example/j", "2017-06-13")]
    # no guid: the link identifies the item; neither: a hash of title and date
    bare = parse_feed(
        "<rss><channel><item><title>x</title></item><item><link>https://n.example/l</link></item></channel></rss>"
    )
    assert bare.items[0].id.startswith("sha1:") and bare.items[1].id == "https://n.example/l"


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body>a page</body></html>", b'{"no": "items"}', b"{not json", b"\x00\x01binary"],
)
def test_not_feeds(data):
    with pytest.raises(FeedError):
        parse_feed(data)


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = (
        f"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY x SYSTEM 'file://{secret}'>]>"
        "<rss><channel><title>&x;</title><item><title>&x;</title><link>https://n.example/a</link></item></channel></rss>"
    )
    feed = parse_feed(doc)
    assert "TOP-SECRET" not in (feed.title or "") + (feed.items[0].title or "")


@pytest.mark.parametrize(
    "text,seconds", [("90", 90), ("30s", 30), ("10m", 600), ("1h30m", 5400), ("1d", 86400)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10x", "-5", "0", "10m later"])
def test_bad_durations(text):
    with pytest.raises(UsageError):
        parse_duration(text)


# -- the command, stopped with Ctrl-C ---------------------------------------------------------


def test_cli_watch_logs_new_articles_and_stops_on_ctrl_c(site, tmp_path):
    feed = FeedRoute(site, [1, 2])
    site.routes["/feed"] = feed
    db = str(tmp_path / "w.db")
    proc = subprocess.Popen(
        [str(SITREP), "watch", site.url("/feed"), "--db", db, "--every", "1s", "--allow-private"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while len(lines) < 2 and time.monotonic() < deadline:
            line = proc.stdout.readline().decode()
            if not line:
                break
            lines.append(line)
        assert len(lines) == 2 and all(line.startswith("new 2017-06-1") for line in lines), lines
        feed.change([1, 2, 3])  # the next poll (1 s later) finds one more
        line = proc.stdout.readline().decode()
        assert "Report number 3" in line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err.decode()
    assert b"watch stopped" in err and b"Traceback" not in err
    with open_store(db) as store:
        assert len(list(store.articles())) == 3
    # --once on the same store: nothing new, exits by itself
    once = subprocess.run(
        [str(SITREP), "watch", site.url("/feed"), "--db", db, "--once", "--allow-private"],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert once.returncode == 0 and once.stdout == b""
