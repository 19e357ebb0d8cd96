"""make bench, uploads: OCR time per image, peak memory, and other users' turns while
twenty uploads (one of about 10 MB) are read at once.

Run by scripts/bench.py after its own tables, or alone: ``.venv/bin/python
scripts/bench_uploads.py``. The readings run in a child process (its peak memory is the
OCR's: the packaged models in ``OCR_WORKERS`` threads); the stall check serves the web
channel in this process with the real OCR pool and a stub agent, so the figures are the
channel's and the pool's, not the dialogue's. Prints a table; never fails on a target.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3  # the fixture set (8 images) read this many times
CONCURRENT_UPLOADS = 20
BIG_MB = 9.5


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def read_times(workers: int) -> dict[str, float]:
    """(in the child) Seconds each image takes to read (service time, in its thread), with
    ``workers`` threads busy at once, and the wall time per image."""
    import threading

    from bot.uploads.ocr import new_engine, read_image_bytes
    from tests.fixtures.screenshots import fixture_set

    shots = fixture_set()
    local = threading.local()
    times: list[float] = []

    def one(data: bytes) -> float:
        if getattr(local, "engine", None) is None:
            local.engine = new_engine()
        started = time.perf_counter()
        read_image_bytes(local.engine, data)
        return time.perf_counter() - started

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, [s.png for s in shots[:workers * 2]]))  # engines built (warm-up)
        started = time.perf_counter()
        times = list(pool.map(one, [s.png for s in shots] * ROUNDS))
        wall = time.perf_counter() - started
    images = ROUNDS * len(shots)
    return {"images": images, "p50": _percentile(times, 0.5), "p95": _percentile(times, 0.95),
            "per_image_wall": wall / images,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def ocr_figures(workers: int = 2) -> dict[str, float]:
    """The child's figures (a fresh process: its peak memory is the OCR's)."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from scripts.bench_uploads import read_times; "
            f"print(json.dumps(read_times({workers})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def stall_figures() -> dict[str, float]:
    """Other users' text turns, seconds (p50, max), alone and while twenty uploads (one of
    about 10 MB) are checked, stored and read by the real OCR pool."""
    import tempfile

    import requests

    from bot.channels.web import WebChatInput
    from bot.channels.web_session import session_keys
    from bot.settings import load_settings
    from bot.uploads.images import ImageLimits
    from bot.uploads.ocr import OcrPool
    from bot.uploads.reading import load_reading_rules
    from bot.uploads.service import Uploads
    from bot.uploads.store import LocalUploadStore
    from tests.channels.sanic_server import serve
    from tests.channels.test_web_channel import StubAgent
    from tests.fixtures.hostile import big_noise_png
    from tests.fixtures.screenshots import fixture_set

    settings = load_settings()
    shots = [s.png for s in fixture_set()]
    big = big_noise_png(BIG_MB)
    bodies = [big] + [shots[i % len(shots)] for i in range(CONCURRENT_UPLOADS - 1)]
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        uploads = Uploads(LocalUploadStore(Path(folder)),
                          OcrPool(settings.ocr_workers, settings.ocr_seconds),
                          load_reading_rules(settings.data_dir), ImageLimits(), 100)
        with serve([WebChatInput(uploads=uploads, erase_cases=lambda _c: 0)],
                   StubAgent()) as url:
            base = f"{url}/webhooks/web"
            keys = session_keys()

            def turn() -> float:
                started = time.perf_counter()
                requests.post(f"{base}/webhook", json={"message": "卖家不同意退款"},
                              headers={"X-Chat-Session": keys.issue()}, timeout=60)
                return time.perf_counter() - started

            def upload(body: bytes) -> tuple[float, int]:
                started = time.perf_counter()
                answer = requests.post(f"{base}/upload", data=body, timeout=120, headers={
                    "X-Chat-Session": keys.issue(), "X-File-Name": quote("截图.png"),
                    "Content-Type": "application/octet-stream"})
                return time.perf_counter() - started, answer.status_code

            upload(shots[0])  # the engines are built once, before anything is timed
            alone = [turn() for _ in range(20)]
            during: list[float] = []
            finished = threading.Event()

            def keep_talking() -> None:
                while not finished.is_set():
                    during.append(turn())
                    time.sleep(0.05)

            talker = threading.Thread(target=keep_talking)
            talker.start()
            with ThreadPoolExecutor(CONCURRENT_UPLOADS) as pool:
                results = list(pool.map(upload, bodies))
            finished.set()
            talker.join()
            uploads.pool.close()
    seconds = [s for s, _status in results]
    return {"alone_p50": statistics.median(alone), "alone_max": max(alone),
            "during_p50": statistics.median(during), "during_max": max(during),
            "turns_during": len(during), "uploads_ok": sum(s == 200 for _s, s in results),
            "upload_p50": statistics.median(seconds), "upload_max": max(seconds)}


def accuracy_figures() -> dict[str, tuple[int, int]]:
    """Field accuracy on a larger generated set: (right, of) per field, each read back by
    the same understanding as typed text."""
    import datetime as dt
    from decimal import Decimal

    from bot.catalog import load_catalog
    from bot.dates import SHANGHAI
    from bot.understanding.extract import read_message
    from bot.uploads.ocr import new_engine, read_image_bytes
    from bot.uploads.reading import read_screenshot
    from tests.fixtures.screenshots import accuracy_set

    catalog, engine = load_catalog(), new_engine()
    now = dt.datetime(2026, 12, 31, 10, tzinfo=SHANGHAI)
    counts: dict[str, list[int]] = {}

    def count(field: str, right: bool) -> None:
        tally = counts.setdefault(field, [0, 0])
        tally[0] += int(right)
        tally[1] += 1

    for shot in accuracy_set():
        reading = read_screenshot(read_image_bytes(engine, shot.png), catalog.uploads, 2026)
        said = read_message(reading.text, now, catalog.lexicon)
        count("kind", reading.kind == shot.kind)
        dated = any(f.event == shot.event and f.day == shot.date for f in said.dates)
        if shot.kind == "order_page":
            number = said.order_number == shot.order_number
            amount = said.amount is not None and Decimal(said.amount) == Decimal(shot.amount)
            count("order number", number)
            count("amount", amount)
            count("date (paid)", dated)
            count(f"order page, all three right: {shot.spoiled or 'clean'}",
                  number and amount and dated)
        else:
            count("waybill number", said.tracking_number == shot.extra["tracking_number"])
            count("date (signed)", dated)
    return {field: (right, total) for field, (right, total) in counts.items()}


def uploads_table() -> str:
    """The uploads' table (markdown)."""
    ocr = ocr_figures()
    stall = stall_figures()
    accuracy = accuracy_figures()
    rows = [
        "| uploads (OCR: rapidocr, packaged PP-OCR models, 2 worker threads) | value |",
        "|---|---|",
        f"| OCR per image, p50 / p95 ({int(ocr['images'])} readings of the fixture set) "
        f"| {ocr['p50']:.2f} s / {ocr['p95']:.2f} s |",
        f"| OCR throughput, wall time per image | {ocr['per_image_wall']:.2f} s |",
        f"| peak memory of the reading process | {ocr['peak_mb']:.0f} MB |",
        f"| {CONCURRENT_UPLOADS} uploads at once (one of {BIG_MB} MB): answered 200 "
        f"| {stall['uploads_ok']} of {CONCURRENT_UPLOADS} |",
        f"| an upload's answer while they queue, p50 / max "
        f"| {stall['upload_p50']:.1f} s / {stall['upload_max']:.1f} s |",
        f"| another user's text turn alone, p50 / max "
        f"| {stall['alone_p50'] * 1000:.0f} ms / {stall['alone_max'] * 1000:.0f} ms |",
        f"| the same during the uploads, p50 / max ({stall['turns_during']} turns) "
        f"| {stall['during_p50'] * 1000:.0f} ms / {stall['during_max'] * 1000:.0f} ms |",
    ]
    rows += [f"| field accuracy on generated screenshots, {field} | {right} of {total} |"
             for field, (right, total) in sorted(accuracy.items(), key=lambda i: "all" in i[0])]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(uploads_table())
