"""A real Sanic server in a background thread with Rasa input channels mounted, for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rasa.core.channels.channel import InputChannel, register
from sanic import Sanic


@contextmanager
def serve(channels: list[InputChannel], agent: Any) -> Iterator[str]:
    """Run a Sanic app with ``channels`` mounted as Rasa does; yields the base URL."""
    previous_mode = Sanic.test_mode
    # Several Sanic apps start in one process: Sanic 21.12 needs test mode for that.
    Sanic.test_mode = True
    app = Sanic(f"web_test_{uuid.uuid4().hex[:12]}")
    app.ctx.agent = agent
    register(channels, app, "/webhooks/")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ready = threading.Event()
    failure: list[BaseException] = []
    loop = asyncio.new_event_loop()
    stop: dict[str, asyncio.Event] = {}

    async def main() -> None:
        stop["event"] = asyncio.Event()
        server = await app.create_server(sock=sock, return_asyncio_server=True,
                                         access_log=False, debug=False)
        assert server is not None
        await server.startup()
        await server.start_serving()
        ready.set()
        await stop["event"].wait()
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()  # the channels' after_server_stop listeners, as in Rasa
        for connection in list(server.connections):
            connection.close_if_idle()
        for _ in range(40):
            if not server.connections:
                break
            await asyncio.sleep(0.05)
        for connection in list(server.connections):
            connection.abort()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
            loop.run_until_complete(loop.shutdown_asyncgens())
        except BaseException as exc:  # surfaced to the caller below
            failure.append(exc)
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert ready.wait(10), "Sanic did not start"
        if failure:
            raise failure[0]
        yield f"http://127.0.0.1:{port}"
    finally:
        if "event" in stop:
            loop.call_soon_threadsafe(stop["event"].set)
        thread.join(10)
        sock.close()
        Sanic.test_mode = previous_mode
