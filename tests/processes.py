"""Helpers for tests that start server processes: free ports, stopping a process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout_s: float = 60) -> None:
    """Send ``sig`` to the process group of ``proc``; SIGKILL it if it is still there later."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def start_redis_server(port: int, folder) -> subprocess.Popen:
    """A throw-away redis-server on ``port`` (nothing saved), once it answers. Without the
    binary the test fails when CI is set, and is skipped otherwise."""
    import shutil
    import time

    import pytest
    import redis

    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (CI has it)")
        pytest.skip("no redis-server on this machine")
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly",
                                "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            redis.Redis(port=port, socket_timeout=0.2).ping()
            return process
        except redis.RedisError:
            time.sleep(0.05)
    process.terminate()
    raise AssertionError("redis-server did not start")
