"""Headless Chromium (Debian's package) driven over its DevTools protocol, to test what
`triage-tui serve` shows in a real browser.

textual-serve draws the terminal with xterm.js on a canvas, which has no text to read
from the DOM. So a script put into each page before it loads keeps every byte the
page's websocket receives (the board's terminal output, as xterm.js is given it), and
the test draws those bytes with pyte, a terminal emulator, to read the screen.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pyte

#: Kept in the page: the websocket URLs opened and the bytes received, base64, in order.
RECORDER = """
(() => {
  const Original = window.WebSocket;
  window.__sockets = [];
  window.__received = [];
  const keep = (bytes) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    window.__received.push(btoa(text));
  };
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Original(url) : new Original(url, protocols);
    window.__sockets.push(String(url));
    socket.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) keep(new Uint8Array(event.data));
    });
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, Original);
})();
"""

#: CDP key descriptions of the keys the tests press (besides plain characters).
KEYS: dict[str, dict[str, Any]] = {
    "enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "right": {"key": "ArrowRight", "code": "ArrowRight", "windowsVirtualKeyCode": 39},
    "left": {"key": "ArrowLeft", "code": "ArrowLeft", "windowsVirtualKeyCode": 37},
    "down": {"key": "ArrowDown", "code": "ArrowDown", "windowsVirtualKeyCode": 40},
}
SHIFT = 8


def chromium_binary() -> str | None:
    return next(filter(None, (shutil.which(n) for n in ("chromium", "chromium-browser"))), None)


class Page:
    """One tab, over its DevTools websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self._next = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        await self.socket.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.socket.receive_json(), 30)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer.get("result", {}).get("value")

    async def open(self, url: str) -> None:
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=RECORDER)
        await self.call("Page.navigate", url=url)

    async def press(self, *keys: str) -> None:
        """Each key as a person types it, into the terminal (xterm.js's text area)."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        for key in keys:
            shift = key.startswith("shift+")
            name = key.removeprefix("shift+")
            event = KEYS.get(name) or {"key": name, "text": name}
            modifiers = SHIFT if shift else 0
            await self.call("Input.dispatchKeyEvent", type="keyDown", modifiers=modifiers, **event)
            up = {k: v for k, v in event.items() if k != "text"}
            await self.call("Input.dispatchKeyEvent", type="keyUp", modifiers=modifiers, **up)
            await asyncio.sleep(0.05)

    async def socket_url(self) -> str:
        urls = await self.evaluate("window.__sockets || []")
        return str(urls[0]) if urls else ""

    async def screen(self) -> list[str]:
        """What the page's terminal shows: every byte it was sent, drawn by pyte."""
        url = await self.socket_url()
        if not url:
            return []
        query = parse_qs(urlsplit(url).query)
        width, height = int(query["width"][0]), int(query["height"][0])
        chunks = await self.evaluate("window.__received") or []
        screen = pyte.Screen(width, height)
        stream = pyte.ByteStream(screen)
        for chunk in chunks:
            stream.feed(base64.b64decode(chunk))
        return list(screen.display)

    async def until_shown(self, *texts: str, seconds: float = 30) -> list[str]:
        """The screen once it shows every one of `texts` (fails with what it shows)."""
        deadline = time.monotonic() + seconds
        shown: list[str] = []
        while time.monotonic() < deadline:
            shown = await self.screen()
            joined = "\n".join(shown)
            if all(text in joined for text in texts):
                return shown
            await asyncio.sleep(0.2)
        raise AssertionError(f"never shown: {texts}\n" + "\n".join(shown))


@contextlib.asynccontextmanager
async def chromium(workdir: Path, env: Mapping[str, str]) -> AsyncIterator[Page]:
    """A headless Chromium with one blank tab, quit on exit."""
    binary = chromium_binary()
    assert binary is not None
    profile = workdir / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--headless=new",
            "--no-sandbox",  # as root in CI's container; the page is our own
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,900",
            "about:blank",
        ],
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None, "chromium exited"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as answer:
                targets = json.loads(await answer.text())
            page = next(t for t in targets if t.get("type") == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                yield Page(ws)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
