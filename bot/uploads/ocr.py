"""Text read from an image, offline: rapidocr's PP-OCR models, shipped inside its wheel.

The engine is given the paths of the models in ``rapidocr/models/`` so it never looks
for (or downloads) anything; its ``vis()`` (which downloads a font) is never called. Each
worker thread builds its own engine on first use (about 0.5 s, ~100 MB); onnxruntime runs
one thread per engine. :class:`OcrPool` runs readings off the event loop in at most
``workers`` threads, refuses work when ``queue`` readings already wait, and gives up
waiting after ``seconds`` (the reading then ends in its thread and is dropped).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILES = {"Det": "PP-OCRv6_det_small.onnx", "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
               "Rec": "PP-OCRv6_rec_small.onnx"}
MAX_SIDE = 2000  # the image's longer side is scaled to this before reading


@dataclass(frozen=True)
class OcrLine:
    """One line of text, its box (left, top, right, bottom) in pixels, and its score."""

    text: str
    box: tuple[float, float, float, float]
    score: float


@dataclass(frozen=True)
class OcrResult:
    """Every line read, and the size of the image they were read on."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int


class OcrBusy(Exception):
    """Too many readings wait already."""


class OcrTimeout(Exception):
    """The reading took longer than the cap."""


def model_paths() -> dict[str, Path]:
    """The models inside the installed rapidocr package (FileNotFoundError when missing)."""
    import rapidocr

    folder = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {task: folder / name for task, name in MODEL_FILES.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"rapidocr models missing: {', '.join(missing)}")
    return paths


def new_engine() -> Any:
    """A rapidocr engine on the packaged models, one onnxruntime thread, quiet logs."""
    from rapidocr import RapidOCR

    params: dict[str, Any] = {f"{task}.model_path": str(path)
                              for task, path in model_paths().items()}
    params.update({"Global.log_level": "error", "Global.max_side_len": MAX_SIDE,
                   "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                   "EngineConfig.onnxruntime.inter_op_num_threads": 1})
    return RapidOCR(params=params)


def read_pixels(engine: Any, image: Any) -> OcrResult:
    """The lines ``engine`` reads on a PIL image (scaled down to :data:`MAX_SIDE`)."""
    import numpy as np

    image = image.convert("RGB")
    scale = min(1.0, MAX_SIDE / max(image.size))
    if scale < 1.0:
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    array = np.asarray(image)[:, :, ::-1].copy()  # BGR, as OpenCV reads
    found = engine(array)
    lines = []
    for text, box, score in zip(found.txts or (), found.boxes if found.boxes is not None else (),
                                found.scores or (), strict=False):
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        lines.append(OcrLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
    lines.sort(key=lambda line: (line.box[1], line.box[0]))
    return OcrResult(tuple(lines), image.width, image.height)


def read_image_bytes(engine: Any, data: bytes) -> OcrResult:
    """The lines read on an (already checked) image's bytes."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return read_pixels(engine, image)


class OcrPool:
    """Readings in a bounded pool of threads, each with its own engine."""

    def __init__(self, workers: int, seconds: float, queue: int | None = None,
                 engine_factory: Callable[[], Any] = new_engine) -> None:
        self.workers, self.seconds = workers, seconds
        # room for a whole case's images at once (UPLOAD_MAX_PER_CASE, 20) and then some
        self.queue = queue if queue is not None else max(40, workers * 16)
        self._factory = engine_factory
        self._local = threading.local()
        self._executor: ThreadPoolExecutor | None = None
        self._waiting = 0
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._local.engine = self._factory()
        return engine

    def _run(self, data: bytes) -> OcrResult:
        try:
            return read_image_bytes(self._engine(), data)
        finally:
            with self._lock:
                self._waiting -= 1

    async def read(self, data: bytes) -> OcrResult:
        """The image's lines, read in the pool (:class:`OcrBusy`, :class:`OcrTimeout`)."""
        with self._lock:
            if self._waiting >= self.workers + self.queue:
                raise OcrBusy()
            self._waiting += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="ocr")
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._run, data)
        try:
            return await asyncio.wait_for(future, self.seconds)
        except TimeoutError:
            raise OcrTimeout() from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
