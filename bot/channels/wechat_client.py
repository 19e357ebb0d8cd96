"""The account's API client: wechatpy's ``WeChatClient`` with the project's fetch lock.

wechatpy keeps the access token in a session storage (its ``MemoryStorage`` in one
process, its ``RedisStorage`` when replicas share Redis), renews it 60 s before it
expires, and on an invalid token (40001, 40014, 42001) fetches a new one and retries.
Two things it does not do, added here:

- **One fetcher at a time.** Every fetch of a new token invalidates the older ones after a
  grace period, so replicas must not each fetch: a fetch takes a lock in the shared store
  (``wechat_state.SharedStore.add``), and a replica that finds another fetching waits for
  that replica's token instead (up to ``FETCH_WAIT_SECONDS``).
- **One retry.** wechatpy retries an invalid token for as long as the API says so; here a
  send is retried once, then fails.

Errors reach the channel as :class:`WeChatAPIError`, without the request URL (it carries
the app secret or the token in its query string).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from bot.channels.wechat_protocol import DEFAULT_API_BASE, WeChatAPIError
from bot.channels.wechat_state import RedisStore, SharedStore

FETCH_WAIT_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 5.0
RENEW_SECONDS = 60  # wechatpy's margin before expiry


class TimeoutAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with a timeout on every request (wechatpy's token fetch has none)."""

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: dict[str, str] | None = None
             ) -> requests.Response:
        # HTTPAdapter.send's own parameters (requests passes them by keyword)
        return super().send(request, stream=stream, timeout=timeout or REQUEST_TIMEOUT_SECONDS,
                            verify=verify, cert=cert, proxies=proxies)


def session_storage(store: SharedStore | None) -> SessionStorage:
    """wechatpy's storage for the token: Redis beside the shared store, else memory."""
    if isinstance(store, RedisStore):
        return RedisStorage(store.client, prefix=store.prefix + "wechatpy")
    return MemoryStorage()


class AccountClient(WeChatClient):
    """The official account's client: access token and customer-service messages."""

    def __init__(self, app_id: str, app_secret: str, api_base: str = DEFAULT_API_BASE, *,
                 store: SharedStore | None = None,
                 transport: requests.adapters.BaseAdapter | None = None) -> None:
        if not app_id or not app_secret:
            raise ValueError("app_id and app_secret are required")
        self._local = threading.local()
        super().__init__(app_id, app_secret, session=session_storage(store),
                         timeout=REQUEST_TIMEOUT_SECONDS, auto_retry=True)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = self.api_base + "/cgi-bin/"
        self._store = store
        self._lock = threading.Lock()
        transport = transport or TimeoutAdapter()  # tests answer HTTP without a network
        self._http.mount("http://", transport)
        self._http.mount("https://", transport)

    # wechatpy reads ``auto_retry`` before each retry: allow one per request.
    @property
    def auto_retry(self) -> bool:
        return self._retry_allowed and getattr(self._local, "depth", 0) <= 1

    @auto_retry.setter
    def auto_retry(self, value: bool) -> None:
        self._retry_allowed = value

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        finally:
            self._local.depth = depth

    @property
    def access_token(self) -> str | None:
        """wechatpy's property, remembering per thread which token was handed out: a
        fetch replaces that one, not one another thread stored in the meantime."""
        token = self.session.get(self.access_token_key)
        self._local.seen = token
        if token and (not self.expires_at or self.expires_at - time.time() > RENEW_SECONDS):
            return token
        self.fetch_access_token()
        self._local.seen = self.session.get(self.access_token_key)
        return self._local.seen

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch a new token, or wait for the one another thread or replica is fetching.
        Called when the token handed out is missing, about to expire or refused."""
        before = getattr(self._local, "seen", None)
        with self._lock:
            if self.session.get(self.access_token_key) != before:
                return {"access_token": self.session.get(self.access_token_key)}
            lock_key = f"token-fetch:{self.appid}"
            if self._store is not None and not self._store.add(lock_key, "1",
                                                               FETCH_WAIT_SECONDS):
                return self._wait_for_other_fetch(before)
            try:
                token = self.session.get(self.access_token_key)
                if token != before:  # stored while we took the lock: use it
                    return {"access_token": token}
                return self._fetch_access_token(
                    url=f"{self.api_base}/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": self.appid,
                            "secret": self.secret})
            finally:
                if self._store is not None:
                    self._store.delete(lock_key)

    def _wait_for_other_fetch(self, before: str | None) -> dict[str, Any]:
        deadline = time.monotonic() + FETCH_WAIT_SECONDS
        while time.monotonic() < deadline:
            token = self.session.get(self.access_token_key)
            if token and token != before:
                return {"access_token": token}
            time.sleep(0.05)
        raise WeChatAPIError(-1, "another replica is fetching the access token")

    def token(self) -> str:
        """A valid access token (fetched when there is none or it is about to expire)."""
        try:
            return str(self.access_token)
        except WeChatClientException as exc:
            raise _api_error(exc) from None
        except requests.RequestException as exc:
            raise WeChatAPIError(-1, type(exc).__name__) from None

    def send_text(self, openid: str, content: str) -> None:
        """Send ``content`` as a customer-service text message (within 48 h of the user's
        last message). The body is UTF-8 JSON: WeChat shows ``\\u`` escapes literally."""
        body = json.dumps({"touser": openid, "msgtype": "text", "text": {"content": content}},
                          ensure_ascii=False).encode("utf-8")
        try:
            self.post("message/custom/send", data=body,
                      headers={"Content-Type": "application/json; charset=utf-8"})
        except WeChatClientException as exc:
            raise _api_error(exc) from None
        except requests.RequestException as exc:
            raise WeChatAPIError(-1, type(exc).__name__) from None

    def send_template(self, openid: str, template_id: str, data: dict[str, Any]) -> None:
        """Send a template message (the account's ``template_id``; any time, not only
        within 48 h); ``data`` maps the template's fields to ``{"value": text}``."""
        body = json.dumps({"touser": openid, "template_id": template_id, "data": data},
                          ensure_ascii=False).encode("utf-8")
        try:
            self.post("message/template/send", data=body,
                      headers={"Content-Type": "application/json; charset=utf-8"})
        except WeChatClientException as exc:
            raise _api_error(exc) from None
        except requests.RequestException as exc:
            raise WeChatAPIError(-1, type(exc).__name__) from None


def _api_error(exc: WeChatClientException) -> WeChatAPIError:
    code = exc.errcode if isinstance(exc.errcode, int) else -1
    return WeChatAPIError(code, str(exc.errmsg or "request failed"))
