"""A stand-in for WeChat's HTTP API: a requests transport that answers from queues."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter


class FakeWeChatTransport(BaseAdapter):
    """Answers ``/cgi-bin/token`` (T1, T2, ... or the queued answers) and
    ``/cgi-bin/message/custom/send`` (errcode from the queue, else 0); records every call
    as (method, url without query, params, body)."""

    def __init__(self, send_codes: list[int] | None = None,
                 token_answers: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, str], bytes | None]] = []
        self.send_codes = list(send_codes or [])
        self.token_answers = list(token_answers or [])
        self.issued = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        body = request.body.encode() if isinstance(request.body, str) else request.body
        self.calls.append((request.method or "", url, dict(parse_qsl(parts.query)), body))
        if url.endswith("/cgi-bin/token"):
            if self.token_answers:
                payload = self.token_answers.pop(0)
            else:
                self.issued += 1
                payload = {"access_token": f"T{self.issued}", "expires_in": 7200}
        else:
            code = self.send_codes.pop(0) if self.send_codes else 0
            payload = {"errcode": code, "errmsg": "ok" if code == 0 else "error"}
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(payload).encode()
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass

    @property
    def token_calls(self) -> list[Any]:
        return [c for c in self.calls if c[1].endswith("/cgi-bin/token")]

    @property
    def send_calls(self) -> list[Any]:
        return [c for c in self.calls if c[1].endswith("/custom/send")]
