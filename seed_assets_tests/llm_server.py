"""A local OpenAI-compatible Chat Completions server with scripted replies: the one stand-in
the tests use, because an LLM provider is a service the suite cannot reach.

It is a real HTTP server (http.server in a thread on 127.0.0.1); the planner's own client talks
to it over HTTP. Each request is recorded (headers and JSON body); each reply is taken from the
script in order. `refuse` lists response_format types it answers with HTTP 400, as a server
without structured output does (and "temperature", as OpenAI's reasoning models refuse one).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None  # the assistant's message content
    status: int = 200
    body: Any = None  # a raw JSON body instead (an error)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang_up: bool = False  # close the connection without answering


@dataclass
class Request:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def mode(self) -> str:
        return (self.body.get("response_format") or {}).get("type", "text")

    @property
    def last_user(self) -> str:
        return [m for m in self.body["messages"] if m["role"] == "user"][-1]["content"]


class FakeLLM:
    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.script: list[Reply] = []
        self.requests: list[Request] = []
        self.refuse = set(refuse)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def reply(self, *replies: Reply | str | dict) -> FakeLLM:
        for r in replies:
            if isinstance(r, dict):
                r = Reply(content=json.dumps(r))
            elif isinstance(r, str):
                r = Reply(content=r)
            self.script.append(r)
        return self

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, so only once started
            self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                request = Request(dict(self.headers), body)
                with fake._lock:
                    fake.requests.append(request)
                    if self.path != "/v1/chat/completions":
                        return self._send(404, {"error": {"message": f"no route {self.path}"}})
                    if "temperature" in fake.refuse and "temperature" in body:
                        refusal = "Unsupported value: 'temperature' does not support 0"
                        return self._send(400, {"error": {"message": refusal}})
                    if request.mode in fake.refuse:
                        refusal = f"response_format type {request.mode} is not supported"
                        return self._send(400, {"error": {"message": refusal}})
                    if not fake.script:
                        return self._send(500, {"error": {"message": "no scripted reply left"}})
                    reply = fake.script.pop(0)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.hang_up:
                    self.close_connection = True
                    return None
                if reply.body is not None or reply.status != 200:
                    return self._send(reply.status, reply.body or {}, reply.headers)
                return self._send(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply.content}}],
                }, reply.headers)  # fmt: skip

            def _send(self, status: int, payload: Any, headers=None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler
