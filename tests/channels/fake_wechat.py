"""A fake WeChat API server on 127.0.0.1 for channel tests.

Serves ``GET /cgi-bin/token``, ``POST /cgi-bin/message/custom/send`` (and
``/cgi-bin/message/template/send``) and ``GET /cgi-bin/media/get`` (the bytes of
``media[media_id]``) like api.weixin.qq.com does (JSON with ``errcode``) and records every
call.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    body: Any = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeWeChat:
    """Start with :meth:`start` (or use as a context manager); ``url`` is the api_base."""

    app_id: str = "wx-test-app"
    app_secret: str = "test-secret"
    expires_in: int = 7200
    calls: list[Call] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.revoked: set[str] = set()
        self.fail_sends = 0  # the next this-many customer-service sends fail (45047)

    # --- control -------------------------------------------------------------------------

    def start(self) -> FakeWeChat:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _reply(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _raw(self, data: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                parts = urlsplit(self.path)
                media_id = parse_qs(parts.query).get("media_id", [""])[0]
                if parts.path == "/cgi-bin/media/get" and media_id in fake.media:
                    with fake._cond:
                        fake.calls.append(Call("GET", parts.path, {"media_id": media_id}))
                    self._raw(fake.media[media_id])
                    return
                fake._handle(self, "GET", None)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, "POST", self.rfile.read(length))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeWeChat:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def revoke_tokens(self) -> None:
        """Make every token issued so far invalid (the API then answers errcode 40001)."""
        with self._cond:
            self.revoked.update(self.issued)

    # --- what happened ---------------------------------------------------------------------

    @property
    def token_calls(self) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.path == "/cgi-bin/token"]

    @property
    def sends(self) -> list[Call]:
        """Successful customer-service sends."""
        with self._cond:
            return self._successful()

    def sent_texts(self) -> list[str]:
        return [c.body["text"]["content"] for c in self.sends]

    def wait_for_sends(self, count: int, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` successful sends arrived (AssertionError on timeout)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self._successful()) >= count, timeout)
            sends = self._successful()
        assert ok, f"expected {count} custom-send calls, got {len(sends)}: {self.calls}"
        return sends

    def _successful(self) -> list[Call]:
        return [c for c in self.calls
                if c.path == "/cgi-bin/message/custom/send" and c.result.get("errcode") == 0]

    # --- the API -------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        parts = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body: Any = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = raw
        call = Call(method, parts.path, params, body)
        with self._cond:
            self.calls.append(call)
            payload = call.result = self._answer(call)
            self._cond.notify_all()
        handler._reply(payload)  # type: ignore[attr-defined]

    def _answer(self, call: Call) -> dict[str, Any]:
        if call.path == "/cgi-bin/token" and call.method == "GET":
            if call.params.get("grant_type") != "client_credential":
                return {"errcode": 40002, "errmsg": "invalid grant_type"}
            if (call.params.get("appid"), call.params.get("secret")) != (
                self.app_id, self.app_secret
            ):
                return {"errcode": 40013, "errmsg": "invalid appid"}
            token = f"ACCESS_TOKEN_{len(self.issued) + 1}"
            self.issued.append(token)
            return {"access_token": token, "expires_in": self.expires_in}
        if call.path == "/cgi-bin/message/custom/send" and call.method == "POST":
            if self.fail_sends > 0:
                self.fail_sends -= 1
                return {"errcode": 45047, "errmsg": "out of response count limit"}
            token = call.params.get("access_token")
            if token not in self.issued or token in self.revoked:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            body = call.body
            if not isinstance(body, dict) or body.get("msgtype") != "text" or not body.get(
                "touser"
            ):
                return {"errcode": 44002, "errmsg": "empty post data"}
            return {"errcode": 0, "errmsg": "ok"}
        if call.path == "/cgi-bin/message/template/send" and call.method == "POST":
            token = call.params.get("access_token")
            if token not in self.issued or token in self.revoked:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            body = call.body
            if not isinstance(body, dict) or not body.get("template_id") or not body.get(
                "touser"
            ):
                return {"errcode": 40037, "errmsg": "invalid template_id"}
            return {"errcode": 0, "errmsg": "ok", "msgid": len(self.calls)}
        return {"errcode": 40066, "errmsg": "invalid url"}
