"""`triage-tui serve`: the board in a browser, through textual-serve, on 127.0.0.1.

So an ER call can be screen-shared, or followed by someone without a terminal (over
`ssh -L`). Each browser tab is its own board process on the same cache (textual-serve
starts one per connection). A tab opened at `/` can only read: its board neither edits
nor syncs, and is started with no GitLab or Salesforce secret in its environment. A tab
opened at the edit link (`/edit/<key>`, a key made afresh at each start and printed to
the terminal that started the server, never put in argv) is the host's own board: its
edits go to GitLab with the host's token.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import shlex
import socket
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from triage_tui.config import READ_ONLY_ENV, ConfigError
from triage_tui.sync.secrets import keep_out

READ_ONLY_REASON = (
    "Read-only: this board is served to follow the call. Ask the host for the edit link "
    "(it was printed where `triage-tui serve` started) to make edits from the browser."
)
#: What a read-only board is started without: every variable a secret is read from.
SECRET_ENV_PREFIXES = ("GITLAB_", "TRIAGE_TUI_GITLAB", "SALESFORCE_", "SF_", "TRIAGE_TUI_SF")

log = logging.getLogger("textual-serve")


def viewer_environment(base: Mapping[str, str], *, may_edit: bool) -> dict[str, str]:
    """The environment of one browser tab's board: the server's own for the edit link;
    for a follower, without any secret and with READ_ONLY_ENV set."""
    env = dict(base)
    if may_edit:
        env.pop(READ_ONLY_ENV, None)
        return env
    for name in list(env):
        if name.upper().startswith(SECRET_ENV_PREFIXES) or "TOKEN" in name.upper():
            del env[name]
    env[READ_ONLY_ENV] = READ_ONLY_REASON
    return env


class ViewerService(AppService):
    """One tab's board process, started with that viewer's environment."""

    def __init__(self, command: str, *, environment: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.environment = environment

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        # What textual-serve sets (the web driver, the size), over the viewer's environment
        # instead of over the whole of the server's.
        served = super()._build_environment(width=width, height=height)
        own = {k: v for k, v in served.items() if os.environ.get(k) != v}
        return {**self.environment, **own}


class BoardServer(Server):
    """textual-serve's server with two doors: `/` to follow, `/edit/<key>` to edit."""

    def __init__(self, board_argv: Sequence[str], *, port: int, edit_key: str) -> None:
        command = shlex.join([sys.executable, "-m", "triage_tui", *board_argv])
        super().__init__(command, host="127.0.0.1", port=port, title="triage-tui")
        self.edit_key = edit_key
        keep_out(edit_key)

    @property
    def follow_url(self) -> str:
        return f"{self.public_url}/"

    @property
    def edit_url(self) -> str:
        return f"{self.public_url}/edit/{self.edit_key}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.add_routes(
            [
                web.get("/edit/{key}", self.handle_edit_index, name="edit-index"),
                web.get("/ws/edit/{key}", self.handle_edit_websocket, name="edit-websocket"),
            ]
        )
        return app

    def _key_of(self, request: web.Request) -> str:
        """The request's key, if it is the edit key; a wrong one is refused (403)."""
        key = request.match_info["key"]
        if not hmac.compare_digest(key.encode(), self.edit_key.encode()):
            raise web.HTTPForbidden(
                text="This edit link is not this server's (it changes at each start)."
            )
        return key

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        return self._page(request, "websocket")

    async def handle_edit_index(self, request: web.Request) -> web.StreamResponse:
        return self._page(request, "edit-websocket", key=self._key_of(request))

    def _page(self, request: web.Request, websocket: str, **parts: str) -> web.StreamResponse:
        """textual-serve's page (its template), its terminal joined to `websocket`."""
        path = request.app.router[websocket].url_for(**parts)
        static = request.app.router["static"].url_for(filename="/")
        context = {
            "font_size": _size(request.query.get("fontsize"), 16),
            "app_websocket_url": "ws:" + f"{self.public_url}{path}".split(":", 1)[1],
            "config": {"static": {"url": f"{self.public_url}{str(static).rstrip('/')}/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        return await self._serve(request, may_edit=False)

    async def handle_edit_websocket(self, request: web.Request) -> web.WebSocketResponse:
        self._key_of(request)
        return await self._serve(request, may_edit=True)

    async def _serve(self, request: web.Request, *, may_edit: bool) -> web.WebSocketResponse:
        """textual-serve's own websocket handler, with the viewer's environment."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        service: ViewerService | None = None
        try:
            await websocket.prepare(request)
            service = ViewerService(
                self.command,
                environment=viewer_environment(os.environ, may_edit=may_edit),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's failure must not end the server
            log.exception(error)
        finally:
            if service is not None:
                await service.stop()
        return websocket

    async def on_startup(self, app: web.Application) -> None:
        print(
            f"triage-tui is served on {self.public_url} (this machine only).\n"
            f"  Follow, read-only:  {self.follow_url}\n"
            f"  Edit, as you:       {self.edit_url}\n"
            "Share the follow link; keep the edit link to yourself (it edits with your "
            "GitLab token). Others reach it with `ssh -L PORT:127.0.0.1:PORT` to this "
            "host. Ctrl+C stops.",
            flush=True,
        )


def _size(value: str | None, default: int) -> int:
    try:
        return max(1, min(1000, int(value or default)))
    except ValueError:
        return default


def _port_problem(port: int) -> str:
    """Why the port cannot be served on (empty when it can): asked before the server
    starts, which would say its links first and then fail with a traceback."""
    with socket.socket() as probe:
        # As the server will bind: a port left in TIME_WAIT by the last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            return (
                f"cannot serve on 127.0.0.1:{port}: {error.strerror or error} (another "
                "`triage-tui serve` on a shared host?). Pick another with --port N."
            )
    return ""


def serve(board_argv: Sequence[str], port: int) -> int:
    """Serve the board (started with `board_argv`) until Ctrl+C."""
    if problem := _port_problem(port):
        raise ConfigError(problem)
    server = BoardServer(board_argv, port=port, edit_key=secrets.token_urlsafe(24))
    try:
        server.serve()
    except OSError as error:  # taken between the check and the start
        raise ConfigError(_port_problem(port) or f"cannot serve: {error}") from error
    return 0
