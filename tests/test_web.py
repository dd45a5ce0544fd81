"""The web page: served whole by sitrep (no CDN), inert with hostile article text, and -
in a real browser (Debian's chromium through chromedriver) - a map with markers that lead
to the evidence sentence."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import loopback_server
from conftest import SITREP
from service_records import articles, build_store

from sitrep.service import create_app
from sitrep.service.outlines import SHA256 as OUTLINES_SHA256
from sitrep.service.outlines import outlines_dir

WEB = Path(__file__).resolve().parents[1] / "src" / "sitrep" / "web"
TOKEN = "browser-test-token"
XSS = {
    "id": "hostile-1",
    "title": "<img src=x onerror=\"window.__xss='title'\">Hostile <b>title</b>",
    "text": (
        "Shelling hit the old city of Homs on Saturday, residents said. "
        "<script>window.__xss = 'script'</script> "
        "<img src=x onerror=\"window.__xss='img'\"> "
        '<a href="javascript:window.__xss=1">link</a> '
        "<svg onload=\"window.__xss='svg'\"></svg> The end."
    ),
    "url": "javascript:window.__xss='url'",
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(build_store(tmp_path / "web.db"), token=None)) as c:
        yield c


# -- what the server sends ----------------------------------------------------------------
def test_page_is_served_with_a_strict_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "object-src 'none'" in csp and "unsafe" not in csp
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp  # online tiles, when reachable
    assert client.head("/").status_code == 200


def test_every_asset_is_served_by_sitrep(client: TestClient) -> None:
    """No CDN: every script, style, font and image the page names is a path on this server."""
    html = client.get("/").text
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(
        "src=" in attrs and not body.strip() for attrs, body in scripts
    )  # no inline script
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
    # the modules import only each other, by relative path
    for js in (WEB / "static" / "js").rglob("*.js"):
        source = js.read_text()
        for spec in re.findall(r'^\s*import\s.*?from\s+"([^"]+)"', source, re.M):
            assert spec.startswith("./") or spec.startswith("../"), (js.name, spec)
            target = (js.parent / spec).resolve()
            assert target.exists(), (js.name, spec)
            url = "/static/" + target.relative_to(WEB / "static").as_posix()
            assert client.get(url).status_code == 200, url
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", source), js.name
        # nothing that parses strings as markup or code
        html_sinks = r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*[\"']on"
        assert not re.search(html_sinks, source), js.name
    css = (WEB / "static" / "style.css").read_text()
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    html = client.get("/docs").text
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith("/"), ref
        assert client.get(ref).status_code == 200, ref
    assert "swagger-ui-bundle.js" in html
    assert client.get("/openapi.json").status_code == 200


def test_installed_outlines_are_the_documented_file(client: TestClient) -> None:
    outlines = outlines_dir() / "countries-110m.json"
    assert outlines.is_file(), "make install fetches the outlines (python -m sitrep.service.outlines)"
    assert hashlib.sha256(outlines.read_bytes()).hexdigest() == OUTLINES_SHA256
    topo = client.get("/static/vendor/world-atlas/countries-110m.json").json()
    countries = {g["properties"]["name"]: g.get("id") for g in topo["objects"]["countries"]["geometries"]}
    assert countries["Syria"] == "760" and len(countries) > 170
    assert (outlines.parent / "LICENSE").exists()


def test_no_tiles_means_no_tile_host_in_the_policy(tmp_path: Path) -> None:
    with TestClient(create_app(build_store(tmp_path / "t.db"), tiles=None)) as c:
        assert "img-src 'self' data:;" in c.get("/").headers["content-security-policy"]
        assert c.get("/api/info").json()["tiles"] is None


# -- in a browser -------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _need_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    message = "the browser test needs Debian's chromium and chromium-driver (.ci/run installs them)"
    if os.environ.get("CI"):
        pytest.fail(message)  # never skipped in CI
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(url: str, body: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@contextlib.contextmanager
def serving(tmp_path: Path, tiles: str = "none") -> Iterator[str]:
    """`sitrep serve` through its real entry point, on a free port of 127.0.0.1."""
    db = build_store(tmp_path / "browser.db")
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        for _attempt in range(3):  # a port taken between choosing and binding: try another
            port = _free_port()
            command = [
                str(SITREP),
                "serve",
                "--db",
                str(db),
                "--port",
                str(port),
                "--tiles",
                tiles,
                "--no-access-log",
            ]
            proc = subprocess.Popen(
                command, env=os.environ | {"SITREP_TOKEN": TOKEN}, stdout=log, stderr=subprocess.STDOUT
            )
            base = f"http://127.0.0.1:{port}"
            ready = False
            deadline = time.monotonic() + 60
            while not ready and time.monotonic() < deadline and proc.poll() is None:
                try:
                    ready = _request(f"{base}/healthz")[0] == 200
                except OSError:
                    time.sleep(0.2)
            if ready:
                break
            proc.kill()
            proc.wait()
        else:
            pytest.fail("sitrep serve did not start: " + log_path.read_text()[-2000:])
        try:
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    _need_browser()
    with serving(tmp_path) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=Service(CHROMEDRIVER), options=options
    )  # Debian's driver: nothing downloaded
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, predicate: Any, timeout: float = 20) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(predicate)


def test_browser_map_markers_lead_to_the_evidence(server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # writes: refused without the token, accepted with it (through the real server)
    assert _request(f"{server}/api/articles", XSS)[0] == 401
    status, stored = _request(f"{server}/api/articles", XSS, token=TOKEN)
    assert status == 201, stored

    browser.get(server + "/")
    markers = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map circle.marker"))
    located = {f"{a.id}:{e.id}": e for a in articles() for e in a.events if e.location is not None}
    # the hostile article posted above is analysed too, and its shelling of Homs has a place
    _, hostile = _request(f"{server}/api/articles/{XSS['id']}")
    located |= {f"{XSS['id']}:{e['id']}": e for e in hostile.get("events") or [] if e.get("location")}
    assert {m.get_attribute("data-key") for m in markers} == set(located)
    assert browser.find_elements(By.CSS_SELECTOR, "#map .countries path"), "the bundled outlines are drawn"

    # click a marker: the article view shows its evidence sentence, highlighted
    marker = next(m for m in markers if m.get_attribute("data-key") == "raqqa-2017-06-15:e2")
    event = located["raqqa-2017-06-15:e2"]
    marker.click()
    current = _wait(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".panel-article .article-text .hl-current")
    )
    assert "".join(c.text for c in current).strip() == event.evidence.text
    meta = browser.find_element(By.CSS_SELECTOR, ".panel-article .credibility").text
    # the store's corroboration scores the article (sitrep.corroborate), whatever the record said
    cred = _request(f"{server}/api/articles/raqqa-2017-06-15")[1]["credibility"]
    assert meta == f"credibility {cred['score']:.2f}: " + "; ".join(cred["reasons"])
    assert "selected" in marker.get_attribute("class")

    # hovering a highlighted place shows what was extracted there
    place = browser.find_element(By.CSS_SELECTOR, ".panel-article .article-text .hl-place")
    ActionChains(browser).move_to_element(place).perform()
    card = _wait(
        browser,
        lambda d: d.find_element(By.ID, "hovercard").is_displayed() and d.find_element(By.ID, "hovercard"),
    )
    assert card.text.startswith("Place") and "GeoNames" in card.text
    browser.save_screenshot(str(tmp_path / "page.png"))
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the claims view: who supports and who refutes
    browser.find_element(By.ID, "tab-claims").click()
    claims = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".panel-claims li.claim"))
    # the posted article has claims of its own now (the claims stage runs): find the Raqqa one
    claim = next(c for c in claims if "refuted by" in c.text.lower())
    assert "Syrian Democratic Forces" in claim.text

    # filters go to the API: one country leaves its markers only
    browser.find_element(By.ID, "tab-events").click()
    Select(browser.find_element(By.CSS_SELECTOR, "#filters select[name=country]")).select_by_value("IQ")
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map circle.marker")) == 1)
    assert (
        browser.find_element(By.CSS_SELECTOR, "#map circle.marker").get_attribute("data-key")
        == "mosul-2017-03-03:e1"
    )
    Select(browser.find_element(By.CSS_SELECTOR, "#filters select[name=country]")).select_by_value("")
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map circle.marker")) == len(located))

    # the list follows the map: zooming in on the middle leaves the outer events out of view
    rows = _wait(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".panel-events > ol.rows > li.event-row")
    )
    assert len(rows) == len(located)
    zoom_in = browser.find_element(By.CSS_SELECTOR, ".map-controls button[title='Zoom in']")
    zoom_in.click()
    _wait(
        browser,
        lambda d: (
            0 < len(d.find_elements(By.CSS_SELECTOR, ".panel-events > ol.rows > li.event-row")) < len(located)
        ),
    )
    in_view = {
        r.get_attribute("data-key")
        for r in browser.find_elements(By.CSS_SELECTOR, ".panel-events > ol.rows > li.event-row")
    }
    assert "raqqa-2017-06-15:e1" in in_view
    assert "beirut-2017-05-20:e1" not in in_view and "mosul-2017-03-03:e1" not in in_view
    browser.find_element(By.CSS_SELECTOR, ".map-controls button[title='Fit to events']").click()
    _wait(
        browser,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, ".panel-events > ol.rows > li.event-row")) == len(located)
        ),
    )

    # the timeline brush keeps one period: events outside it fade and leave the list
    timeline = browser.find_element(By.CSS_SELECTOR, "#timeline svg")
    width = timeline.size["width"]
    ActionChains(browser).move_to_element_with_offset(
        timeline, -width // 2 + 3, 0
    ).click_and_hold().move_by_offset(width // 4, 0).release().perform()
    faded = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map circle.marker.out-of-range"))
    assert 0 < len(faded) < len(located)
    rows = browser.find_elements(By.CSS_SELECTOR, ".panel-events > ol.rows > li.event-row")
    assert len(rows) == len(located) - len(faded)
    assert "mosul-2017-03-03:e1" in {r.get_attribute("data-key") for r in rows}  # the earliest event

    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_browser_hostile_article_stays_inert(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    status, _ = _request(f"{server}/api/articles", XSS, token=TOKEN)
    assert status == 201
    browser.get(f"{server}/#view=article&id={XSS['id']}")
    text = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".panel-article .article-text"))[0]
    time.sleep(0.5)  # let any payload that got in run
    assert "<script>window.__xss = 'script'</script>" in text.text
    assert "<img src=x onerror=" in text.text
    title = browser.find_element(By.CSS_SELECTOR, ".panel-article h2").text
    assert title == XSS["title"]
    panel = browser.find_element(By.CSS_SELECTOR, ".panel-article")
    for tag in ("script", "img", "svg", "iframe", "b"):
        assert not panel.find_elements(By.TAG_NAME, tag), tag
    assert not panel.find_elements(By.CSS_SELECTOR, "a[href^='javascript']")
    browser.find_element(By.ID, "tab-articles").click()
    row = _wait(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, f".panel-articles li[data-id='{XSS['id']}']")
    )[0]
    assert XSS["title"] in row.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#panels img, #panels script, #panels iframe")
    assert browser.execute_script("return window.__xss === undefined")


def _png(size: int = 256) -> bytes:
    """A plain light-grey PNG tile."""
    raw = b"".join(b"\x00" + b"\xdd\xdd\xdd" * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_browser_online_tiles_only_when_reachable(tmp_path: Path, browser: Any) -> None:
    """A tile server that answers is drawn under the outlines; one that does not leaves the
    bundled outlines as the map (a local tile server stands in for the internet)."""
    from selenium.webdriver.common.by import By

    tile = _png()
    route = loopback_server.page(tile, "image/png")
    with loopback_server.serve() as tiles:
        for zoom in range(8):  # the fitted view is at most zoom 7
            tiles.routes.update(
                {f"/{zoom}/{x}/{y}.png": route for x in range(2**zoom) for y in range(2**zoom)}
            )
        (tmp_path / "online").mkdir()
        with serving(tmp_path / "online", tiles.url("/{z}/{x}/{y}.png")) as base:
            browser.get(base + "/")
            _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map .tiles image"))
            assert "with-tiles" in browser.find_element(By.ID, "map").get_attribute("class")
            assert (
                browser.find_element(By.CSS_SELECTOR, ".map-attribution").text
                == "© OpenStreetMap contributors"
            )
            assert any(path.startswith("/0/0/0.png") for path, _ in tiles.requests)
    (tmp_path / "offline").mkdir()
    with serving(tmp_path / "offline", f"http://127.0.0.1:{_free_port()}/{{z}}/{{x}}/{{y}}.png") as base:
        browser.get(base + "/")
        _wait(browser, lambda d: "offline" in d.find_element(By.CSS_SELECTOR, ".map-note").text)
        assert not browser.find_elements(By.CSS_SELECTOR, "#map .tiles image")
        assert browser.find_elements(By.CSS_SELECTOR, "#map circle.marker")


def test_browser_highlights_skip_bad_offsets(server: str, browser: Any) -> None:
    """Spans that do not fit the text are left out, never drawn at a wrong place; a figure
    without offsets is found inside its sentence."""
    from selenium.webdriver.common.by import By

    record = {
        "id": "r",
        "text": "Twelve people were killed in Homs on Monday.",
        "places": [
            {"mention": "Homs", "start": 29, "end": 33, "name": "Homs"},
            {"mention": "far", "start": 40, "end": 400, "name": "beyond the text"},
            {"mention": "back", "start": 10, "end": 5, "name": "reversed"},
            {"mention": "odd", "start": "1", "end": 3, "name": "not a number"},
        ],
        "figures": [{"value": 12, "text": "Twelve", "evidence": {"text": "...", "start": 0, "end": 44}}],
        "events": [
            {
                "id": "e1",
                "event_type": "Battles",
                "sub_event_type": "Armed clash",
                "evidence": {"start": 0, "end": 44},
            }
        ],
    }
    browser.get(server + "/")
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    found = browser.execute_async_script(
        """const [record, done] = arguments;
        import('/static/js/views/article.js').then((m) => {
          const anns = m.annotations(record);
          done({anns: anns.map((a) => [a.kind, a.start, a.end]), segments: m.segments(record.text, anns).length});
        });""",
        record,
    )
    assert sorted(found["anns"]) == [["event", 0, 44], ["figure", 0, 6], ["place", 29, 33]]
    assert found["segments"] == 4  # "Twelve" | " people were killed in " | "Homs" | " on Monday."
