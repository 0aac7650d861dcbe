"""Serve a WSGI app on a real 127.0.0.1 socket from a background thread.

End-to-end tests talk to the app and the simulator over HTTP exactly as a browser,
Midtrans or a shop's backend would, so they need a real listening socket. Port 0 lets
the kernel pick a free port, so parallel test workers never collide.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class LiveServer:
    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def reserve_server(app=None) -> BaseWSGIServer:
    """Bind a threaded server now; the app can be attached before `start`.

    Binding first lets a test learn the URL (for config that must name it, such as a
    notification URL) before the app that needs that config is created.
    """
    return make_server("127.0.0.1", 0, app or _not_ready, threaded=True)


def start(server: BaseWSGIServer, app=None) -> LiveServer:
    if app is not None:
        server.app = app
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return LiveServer(server, thread)


def serve(app) -> LiveServer:
    return start(reserve_server(app))


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"not ready"]
