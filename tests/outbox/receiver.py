"""A stand-in for the shop's webhook endpoint: a tiny WSGI app on a real socket.

It records every request and answers from a script (``answers``: status codes, or
"hang" to hold the request until released), then 200 once the script runs out.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from tests.support.live_server import serve


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    query: dict = field(default_factory=dict)


@dataclass
class Receiver:
    answers: list = field(default_factory=list)
    received: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    on_request: object = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(Received(request.path, dict(request.headers), request.get_data(),
                                          request.args.to_dict()))
            answer = self.answers.pop(0) if self.answers else 200
        self.arrived.set()
        if self.on_request is not None:
            self.on_request(request)
        if answer == "hang":
            self.release.wait(10)
            answer = 200
        if answer in (301, 302, 303, 307, 308):
            response = Response("", status=answer, headers={"Location": "/elsewhere"})
        else:
            response = Response("ok" if answer < 300 else "nope", status=answer)
        return response(environ, start_response)

    def for_path(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def start_receiver(answers=None):
    receiver = Receiver(answers=list(answers or []))
    server = serve(receiver)
    server.receiver = receiver
    return server
