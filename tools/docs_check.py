"""``make docs-check``: the built site, opened page by page in headless Chromium.

Serves ``site/`` (or the directory given as the first argument) on
127.0.0.1, starts Debian's ``chromium`` with a fresh profile and drives it
over the Chrome DevTools protocol (a websocket, through aiohttp, which
voltricx already depends on). At a 1280 px wide window, every page must
have:

* no raw Sphinx role (``:class:``, ``:meth:``, ...), no stray ``::`` and no
  unresolved ``--8<--`` snippet marker in its text (code excluded);
* no code block cut off horizontally (``scrollWidth`` wider than the box),
  in every tab of tabbed blocks;
* every image loaded (``naturalWidth`` > 0 after ``decode()``);
* no request to any host but the local server (no CDN, fonts or APIs).

Then the site's own search (``?q=``) must list the expected page first for
"application.yml", "failover" and "drain".

Exit status 0 when everything holds; the failures are listed otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import socketserver
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 1280
STEP_TIMEOUT = 30.0
ROLE = re.compile(
    r":(?:py:)?(?:class|meth|attr|func|data|mod|exc|obj|const|ref|doc):"
    r"|:(?:param|raises?|returns?|rtype|type)\b[^:\n]*:"  # reST field lists
    r"|={4,}[ \t]+={4,}"  # the border of a reST simple table
)

#: Search words -> the page (path inside the site) that must come first.
#: A ``None`` page means "any page whose text contains the word".
SEARCHES: dict[str, str | None] = {
    "application.yml": "lavalink/",
    "failover": "guide/failover/",
    "drain": "node-operations/",
}

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]

# Runs in the page: everything the per-page assertions need, as JSON.
PAGE_PROBE = r"""
(async () => {
  const article = document.querySelector("article") || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll("pre, code, script, style").forEach(e => e.remove());
  const text = copy.textContent;

  const cut = [];
  const measure = () => {
    document.querySelectorAll("article pre > code").forEach(code => {
      if (code.clientWidth > 0 && code.scrollWidth > code.clientWidth + 1) {
        const line = code.textContent.split("\n")
          .reduce((a, b) => (b.length > a.length ? b : a), "");
        cut.push({overflow: code.scrollWidth - code.clientWidth, line: line.slice(0, 120)});
      }
    });
  };
  measure();
  for (const set of document.querySelectorAll(".tabbed-set")) {
    const inputs = set.querySelectorAll(":scope > input");
    inputs.forEach((input, i) => { if (i > 0) { input.click(); measure(); } });
    if (inputs.length) inputs[0].click();
  }
  const seen = new Set();
  const uniqueCut = cut.filter(c => !seen.has(c.line) && seen.add(c.line));

  const images = [];
  for (const img of document.querySelectorAll("article img")) {
    try { await img.decode(); } catch (e) {}
    images.push({src: img.getAttribute("src"), ok: img.complete && img.naturalWidth > 0,
                 width: img.naturalWidth});
  }
  return JSON.stringify({text, cut: uniqueCut, images, codeBlocks:
    document.querySelectorAll("article pre > code").length});
})()
"""

SEARCH_PROBE = r"""
new Promise(resolve => {
  const done = () => {
    const items = document.querySelectorAll(".md-search-result__item > a");
    if (items.length) {
      resolve(JSON.stringify(Array.from(items).slice(0, 5).map(a => a.href)));
      return true;
    }
    const meta = document.querySelector(".md-search-result__meta");
    if (meta && /no matching/i.test(meta.textContent)) { resolve("[]"); return true; }
    return false;
  };
  if (done()) return;
  const observer = new MutationObserver(() => { if (done()) observer.disconnect(); });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
})
"""


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures.append(message)
        self.lines.append("  FAIL " + message)

    def ok(self, message: str) -> None:
        self.lines.append("  ok   " + message)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site over HTTP on 127.0.0.1 (search needs http://, not file://)."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def find_chromium() -> str:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    raise SystemExit("chromium not found: apt-get install chromium (or set CHROMIUM=...)")


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[str]:
    """Start Chromium; yield the DevTools HTTP address."""
    with tempfile.TemporaryDirectory(prefix="voltricx-docs-chromium-") as profile:
        proc = await asyncio.create_subprocess_exec(
            find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        try:
            async with asyncio.timeout(STEP_TIMEOUT):
                while True:
                    line = (await proc.stderr.readline()).decode(errors="replace")
                    if not line:
                        raise SystemExit("chromium exited before DevTools was listening")
                    if m := re.search(r"DevTools listening on ws://([^/]+)/", line):
                        address = m.group(1)
                        break
            drain = asyncio.create_task(_drain(proc.stderr))
            try:
                yield f"http://{address}"
            finally:
                drain.cancel()
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    async with asyncio.timeout(10):
                        await proc.wait()
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


class Page:
    """One tab, driven over its DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.requests: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            elif data.get("method") == "Network.requestWillBeSent":
                self.requests.append(data["params"]["request"]["url"])
            elif "method" in data:
                self.events.put_nowait(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        async with asyncio.timeout(STEP_TIMEOUT):
            reply = await future
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def goto(self, url: str) -> None:
        while not self.events.empty():
            self.events.get_nowait()
        await self.send("Page.navigate", url=url)
        async with asyncio.timeout(STEP_TIMEOUT):
            while (await self.events.get())["method"] != "Page.loadEventFired":
                pass

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression,
                                 awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return json.loads(result["result"]["value"])


def site_pages(site: Path) -> list[str]:
    pages = []
    for path in sorted(site.rglob("index.html")):
        rel = path.parent.relative_to(site).as_posix()
        pages.append("" if rel == "." else rel + "/")
    return pages


def check_text(page: str, text: str, report: Report) -> None:
    roles = sorted(set(ROLE.findall(text)))
    stray = [text[max(0, m.start() - 30):m.end() + 10].strip() for m in re.finditer("::", text)]
    problems = []
    if roles:
        problems.append(f"raw roles {roles}")
    if stray:
        problems.append(f"stray '::' near {stray[:3]}")
    if "--8<--" in text:
        problems.append("unresolved --8<-- marker")
    if problems:
        report.fail(f"/{page}: " + "; ".join(problems))


async def check_site(site: Path) -> Report:
    report = Report()
    pages = site_pages(site)
    texts: dict[str, str] = {}
    with serve(site) as base:
        async with browser() as devtools, aiohttp.ClientSession() as http:
            async with http.put(f"{devtools}/json/new?about:blank") as resp:
                target = await resp.json(content_type=None)
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.send("Page.enable")
                await page.send("Network.enable")
                await page.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=900,
                                deviceScaleFactor=1, mobile=False)
                for path in pages:
                    page.requests.clear()
                    await page.goto(base + path)
                    probe = await page.evaluate(PAGE_PROBE)
                    for url in page.requests:
                        if not url.startswith((base, "data:", "blob:", "about:")):
                            report.fail(f"/{path}: request outside the site: {url}")
                    texts[path] = probe["text"]
                    before = len(report.failures)
                    check_text(path, probe["text"], report)
                    for cut in probe["cut"]:
                        report.fail(f"/{path}: code cut off by {cut['overflow']} px: {cut['line']!r}")
                    for image in probe["images"]:
                        if not image["ok"]:
                            report.fail(f"/{path}: image did not load: {image['src']}")
                    if len(report.failures) == before:
                        report.ok(f"/{path}: text clean, {probe['codeBlocks']} code block(s) "
                                  f"fit, {len(probe['images'])} image(s) loaded, no outside request")
                for word, expected in SEARCHES.items():
                    await search(page, base, word, expected, texts, report)
                page.reader.cancel()
    return report


async def search(page: Page, base: str, word: str, expected: str | None,
                 texts: dict[str, str], report: Report) -> None:
    if expected is not None and expected not in texts:
        # The page is not in this build: any page that mentions the word will do.
        expected = None
    candidates = {p for p, t in texts.items() if word.lower() in t.lower()}
    if expected is None and not candidates:
        report.lines.append(f"  skip search {word!r}: no page mentions it")
        return
    await page.goto(f"{base}?q={word}")
    hits: list[str] = await page.evaluate(SEARCH_PROBE)
    first = re.split(r"[?#]", hits[0].removeprefix(base), maxsplit=1)[0] if hits else None
    wanted = {expected} if expected is not None else candidates
    if first in wanted:
        report.ok(f"search {word!r}: first result /{first}")
    else:
        report.fail(f"search {word!r}: first result {first!r}, expected one of "
                    f"{sorted('/' + w for w in wanted)}")


def main() -> int:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    if not (site / "index.html").is_file():
        print(f"{site} has no index.html: run make docs first", file=sys.stderr)
        return 2
    report = asyncio.run(check_site(site))
    print(f"docs-check: {site} at {WIDTH} px in headless Chromium")
    print("\n".join(report.lines))
    if report.failures:
        print(f"{len(report.failures)} problem(s)")
        return 1
    print("all pages passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
