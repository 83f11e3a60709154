"""A real headless Chromium, network off, driven over the DevTools protocol: the exports checked as a room sees them.

The browser is the system one (Debian's ``chromium`` package: ``apt-get install -y chromium``; also
``chromium-browser``, ``google-chrome`` or ``$CHROMIUM``). :class:`Chromium` starts it headless
with a throwaway profile, every host name unresolvable and the page's network emulated offline, so a
file that needs anything from the internet fails to load it, and that failure is recorded
(:attr:`Chromium.errors`) with console errors and uncaught exceptions. The protocol runs over one
WebSocket (``websocket-client``, which Jupyter's server already installs); nothing else is needed.

``python -m schemalens.present.browser SLIDES.html FOLDER`` writes screenshots of the first slide and of the
first decision slide (``make report``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Self

from schemalens.core.errors import SchemalensError

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = "apt-get install -y chromium"
KEYS = {"ArrowRight": 39, "ArrowLeft": 37, "ArrowDown": 40, "ArrowUp": 38, "Space": 32, "PageDown": 34}


def executable() -> str | None:
    """The Chromium to drive: ``$CHROMIUM`` or the first of :data:`NAMES` on the PATH (``None``: none)."""
    found = os.environ.get("CHROMIUM")
    if found and shutil.which(found):
        return shutil.which(found)
    return next((p for p in map(shutil.which, NAMES) if p), None)


class Chromium:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 800, timeout: float = 30.0, offline: bool = True) -> None:
        """``offline=False``: the page may reach 127.0.0.1 (a local JupyterLab); other hosts never resolve."""
        self.width, self.height, self.timeout, self.offline = width, height, timeout, offline
        self.errors: list[str] = []
        self._id = 0
        self._events: list[dict] = []

    def __enter__(self) -> Self:
        import websocket

        exe = executable()
        if exe is None:
            raise SchemalensError(f"no Chromium found (looked for {', '.join(NAMES)}); install it: {INSTALL}")
        self._profile = tempfile.TemporaryDirectory(prefix="schemalens-chromium-", ignore_cleanup_errors=True)
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={self._profile.name}", f"--window-size={self.width},{self.height}",
                "about:blank"]
        # its own process group: closing it ends the browser's helper processes too, and nothing else
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise SchemalensError(f"{exe} did not start its DevTools endpoint")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=self.timeout,
                                               suppress_origin=True)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Network.emulateNetworkConditions", offline=self.offline, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc: object) -> None:
        ws = getattr(self, "_ws", None)
        if ws is not None:
            ws.close()
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 30)):
            try:
                os.killpg(self._proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self._proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        time.sleep(0.2)  # helpers of the group leave the profile
        self._profile.cleanup()

    # ------------------------------------------------------------ protocol

    def send(self, method: str, **params: Any) -> dict:
        """Call a DevTools method and return its result (events that arrive meanwhile are kept)."""
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise SchemalensError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg: dict) -> None:
        method, p = msg.get("method"), msg.get("params", {})
        self._events.append(msg)
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                      for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            self.errors.append(f"log: {e.get('text')} {e.get('url', '')}".strip())
        elif method == "Network.loadingFailed" and not p.get("canceled"):
            self.errors.append(f"network: {p.get('errorText')} (request {p.get('requestId')})")

    def _drain(self, seconds: float) -> None:
        """Read events for ``seconds`` (scripts run, resources load or fail)."""
        import websocket

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._ws.settimeout(left)
            try:
                self._event(json.loads(self._ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self._ws.settimeout(self.timeout)

    # ------------------------------------------------------------ pages

    def open(self, path: str | Path, settle: float = 1.0) -> None:
        """Load a local file (or an ``http://127.0.0.1`` URL) and wait for its load event, then ``settle``
        seconds for its scripts."""
        self._events.clear()
        url = path if str(path).startswith("http://127.0.0.1") else Path(path).resolve().as_uri()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            if time.monotonic() > deadline:
                raise SchemalensError(f"{path}: the page did not finish loading in {self.timeout:.0f} s")
            self._drain(0.2)
        self._drain(settle)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        r = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise SchemalensError(f"{expression[:60]}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def press(self, key: str, settle: float = 0.5) -> None:
        """A key pressed and released on the page (``ArrowRight``, ``ArrowDown``, ``Space``...)."""
        code = KEYS[key]
        name = " " if key == "Space" else key
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=name, code=key, windowsVirtualKeyCode=code,
                      nativeVirtualKeyCode=code)
        self._drain(settle)

    def screenshot(self, path: str | Path) -> Path:
        """A PNG of the visible page."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))
        return out


REVEAL_STATE = "(window.Reveal && Reveal.isReady && Reveal.isReady()) ? Reveal.getIndices() : null"
DECISION_SLIDE = ("Array.from(document.querySelectorAll('.slides > section')).findIndex("
                  "s => s.querySelector('[data-decision]') !== null)")


def slide_screenshots(slides: str | Path, folder: str | Path) -> list[Path]:
    """Screenshots of the first slide and of the first decision slide of a slides export."""
    out = Path(folder)
    with Chromium() as browser:
        browser.open(slides)
        if browser.evaluate(REVEAL_STATE) is None:
            raise SchemalensError(f"{slides}: reveal.js did not start ({'; '.join(browser.errors) or 'no error'})")
        first = browser.screenshot(out / "slides-first.png")
        index = browser.evaluate(DECISION_SLIDE)
        if index is None or index < 0:
            raise SchemalensError(f"{slides}: no decision slide")
        browser.evaluate(f"Reveal.slide({index}, 0)")
        browser._drain(0.5)
        decision = browser.screenshot(out / "slides-decision.png")
    return [first, decision]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m schemalens.present.browser SLIDES.html FOLDER", file=sys.stderr)
        return 2
    try:
        for path in slide_screenshots(*args):
            print(path)
    except SchemalensError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["INSTALL", "Chromium", "executable", "slide_screenshots"]
