"""make bench: latency, throughput, memory and start-up of the assistant, next to a minimal
Rasa model (one intent, one response) measured in the same run.

The assistant is started the way `make run` starts it (scripts/run.sh), on free ports and
a throw-away tracker store; the minimal model next to it. Both stay up while they are
measured *interleaved* (one request to each in turn; throughput in alternating rounds), so
that the machine's own speed, which drifts by tens of percent on a shared 2-core machine,
weighs on both alike. Prints a table; never fails on a target (a benchmark, not a test).
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RASA = str(ROOT / ".venv" / "bin" / "rasa")
TOKEN = "bench-" + uuid.uuid4().hex
REST_TOKEN = "bench-rest-" + uuid.uuid4().hex  # the minimal model's REST channel ignores it
WARMUP_RUNS = 20  # untimed parses and turns first, on both servers (lazy loading, caches)
PARSE_RUNS = 200
TURN_RUNS = 200
CONCURRENT = 20
TURNS_EACH = 10
THROUGHPUT_ROUNDS = 3  # alternating rounds per server; the table shows the median
LONG_TURNS = 150  # one long conversation per server, turn by turn, interleaved
LONG_WINDOWS = ((10, 2, 11), (50, 41, 60), (100, 91, 110), (150, 141, 150))  # label, from, to
# A buyer's long case, cycled: stories, facts, dates, questions, short replies, asides.
LONG_TEXTS = (
    "卖家一直不同意退款怎么办", "订单号3920184756102938，89元的牛仔裤，收到就开线了",
    "11月16号申请的退款", "嗯", "介入以后一般几天有结果", "对", "卖家说是我自己弄坏的",
    "我有开箱视频和聊天记录", "退货的运费谁出", "好的谢谢", "他刚才把我拉黑了",
    "本来是买来送人的 气死了", "现在能申请小二介入吗", "没有", "帮我写一段发给卖家的话",
)
PARSE_TEXT = "卖家一直不同意退款怎么办"
TURN_TEXT = "客服介入要等几天"  # ask_deadline -> action_explain_deadlines (a custom action)

MINIMAL_DOMAIN = """version: "3.1"
intents: [greet]
responses:
  utter_greet:
    - text: "你好"
"""
MINIMAL_NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - 你好
    - 您好
    - 在吗
"""
MINIMAL_RULES = """version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""
MINIMAL_CONFIG = """recipe: default.v1
language: zh
assistant_id: minimal
pipeline:
  - name: JiebaTokenizer
  - name: KeywordIntentClassifier
policies:
  - name: RulePolicy
"""


@dataclass
class Figures:
    parse_p50: float
    parse_p95: float
    turn_p50: float
    turn_p95: float
    throughput: float
    startup: float
    rasa_peak_mb: float
    actions_peak_mb: float | None
    train_seconds: float | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident memory) of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pid_of(pattern: str) -> int | None:
    found = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True).stdout
    pids = [int(p) for p in found.split()]
    return max(pids) if pids else None


def wait_until(urls: list[str], timeout_s: float, proc: subprocess.Popen) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if all(requests.get(u, timeout=2).ok for u in urls):
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"not up after {timeout_s}s: {urls}")


def timed_post(url: str, **kwargs) -> float:
    start = time.perf_counter()
    requests.post(url, timeout=120, **kwargs).raise_for_status()
    return time.perf_counter() - start


@dataclass
class Server:
    """A running server under measurement."""

    base: str
    turn_text: str
    parse: list[float]
    turns: list[float]
    rounds: list[float]  # throughput of each round, turns/s
    long: list[float] = field(default_factory=list)  # turn i of the long conversation
    cold: float | None = None  # the first turn after start-up


def parse_once(server: Server) -> float:
    return timed_post(f"{server.base}/model/parse", params={"token": TOKEN},
                      json={"text": PARSE_TEXT})


def turn_once(server: Server, sender: str | None = None, text: str | None = None) -> float:
    return timed_post(f"{server.base}/webhooks/rest/webhook",
                      headers={"Authorization": f"Bearer {REST_TOKEN}"},
                      json={"sender": sender or f"bench-{uuid.uuid4().hex[:8]}",
                            "message": text or server.turn_text})


def throughput_round(server: Server) -> float:
    """Turns per second with CONCURRENT conversations of TURNS_EACH turns each."""
    def conversation(_: int) -> None:
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        for _ in range(TURNS_EACH):
            turn_once(server, sender)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        list(pool.map(conversation, range(CONCURRENT)))
    return CONCURRENT * TURNS_EACH / (time.perf_counter() - start)


def measure_interleaved(servers: list[Server]) -> None:
    """The first turn after start-up, a warm-up, then latency one request to each server in
    turn, one long conversation each (turn by turn, interleaved), then throughput rounds."""
    for server in servers:
        server.cold = turn_once(server)
    for _ in range(WARMUP_RUNS):
        for server in servers:
            parse_once(server)
            turn_once(server)
    for _ in range(PARSE_RUNS):
        for server in servers:
            server.parse.append(parse_once(server))
    for _ in range(TURN_RUNS):
        for server in servers:
            server.turns.append(turn_once(server))
    senders = {server.base: f"bench-long-{uuid.uuid4().hex[:8]}" for server in servers}
    for number in range(LONG_TURNS):
        for server in servers:
            server.long.append(turn_once(server, senders[server.base],
                                         LONG_TEXTS[number % len(LONG_TEXTS)]))
    for _ in range(THROUGHPUT_ROUNDS):
        for server in servers:
            server.rounds.append(throughput_round(server))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Started:
    """A server process that answers, with what it took to get there."""

    proc: subprocess.Popen
    server: Server
    startup: float
    rasa_pid: int | None
    actions_pid: int | None = None
    train_seconds: float | None = None


def start_assistant(work: Path) -> Started:
    """The assistant as `make run` starts it (both servers), on free ports."""
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
           "RASA_AUTH_TOKEN": TOKEN, "REST_TOKEN": REST_TOKEN,
           "RATE_PER_SENDER": "100000",  # the long conversation is one sender, turn on turn
           "DB_URL": f"sqlite:///{work / 'tracker.db'}",
           "CASES_DB_URL": f"sqlite:///{work / 'cases.db'}"}
    env.pop("ACTION_ENDPOINT_URL", None)
    env.pop("REDIS_URL", None)
    with (work / "assistant.log").open("ab") as log:
        proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{rasa_port}"
    startup = wait_until([f"{base}/status?token={TOKEN}",
                          f"http://127.0.0.1:{action_port}/health"], 300, proc)
    seconds = ROOT / "models" / ".train_seconds"
    return Started(proc, Server(base, TURN_TEXT, [], [], []), startup,
                   pid_of(f"--port {rasa_port} --model"),
                   pid_of(f"actions.server --actions actions --port {action_port}"),
                   float(seconds.read_text()) if seconds.exists() else None)


def start_minimal(work: Path) -> Started:
    """A minimal Rasa model (one intent, one response), trained here, on a free port."""
    project = work / "minimal"
    (project / "data").mkdir(parents=True)
    (project / "domain.yml").write_text(MINIMAL_DOMAIN, encoding="utf-8")
    (project / "config.yml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (project / "data" / "nlu.yml").write_text(MINIMAL_NLU, encoding="utf-8")
    (project / "data" / "rules.yml").write_text(MINIMAL_RULES, encoding="utf-8")
    (project / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    began = time.monotonic()
    subprocess.run([RASA, "train", "--quiet", "--out", "models"], cwd=project, check=True,
                   capture_output=True)
    train_seconds = time.monotonic() - began
    port = free_port()
    with (work / "minimal.log").open("ab") as log:
        proc = subprocess.Popen(
            [RASA, "run", "--enable-api", "--auth-token", TOKEN, "--interface", "127.0.0.1",
             "--port", str(port), "--model", "models", "--credentials", "credentials.yml"],
            cwd=project, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    startup = wait_until([f"{base}/status?token={TOKEN}"], 300, proc)
    return Started(proc, Server(base, "你好", [], [], []), startup,
                   pid_of(f"--port {port} --model models"), None, train_seconds)


def figures(started: Started) -> Figures:
    server = started.server
    return Figures(
        statistics.median(server.parse), percentile(server.parse, 0.95),
        statistics.median(server.turns), percentile(server.turns, 0.95),
        statistics.median(server.rounds), started.startup,
        peak_rss_mb(started.rasa_pid) if started.rasa_pid else float("nan"),
        peak_rss_mb(started.actions_pid) if started.actions_pid else None,
        started.train_seconds,
    )


def table(ours: Figures, minimal: Figures) -> str:
    def ratio(a: float | None, b: float | None) -> str:
        return "–" if not a or not b else f"{a / b:.1f}×"

    rows = [
        ("/model/parse p50 (ms)", ours.parse_p50 * 1000, minimal.parse_p50 * 1000),
        ("/model/parse p95 (ms)", ours.parse_p95 * 1000, minimal.parse_p95 * 1000),
        ("REST turn p50 (ms)", ours.turn_p50 * 1000, minimal.turn_p50 * 1000),
        ("REST turn p95 (ms)", ours.turn_p95 * 1000, minimal.turn_p95 * 1000),
        (f"throughput, {CONCURRENT} conversations, median round (turns/s)", ours.throughput,
         minimal.throughput),
        ("start-up until both answer (s)", ours.startup, minimal.startup),
        ("peak memory, Rasa server (MB)", ours.rasa_peak_mb, minimal.rasa_peak_mb),
        ("peak memory, action server (MB)", ours.actions_peak_mb, None),
        ("training time (s)", ours.train_seconds, minimal.train_seconds),
    ]
    lines = [f"{'':52} {'assistant':>10} {'minimal':>10} {'ratio':>7}"]
    for name, a, b in rows:
        shown_a = "–" if a is None else f"{a:.1f}"
        shown_b = "–" if b is None else f"{b:.1f}"
        lines.append(f"{name:52} {shown_a:>10} {shown_b:>10} {ratio(a, b):>7}")
    p95_ok = ours.turn_p95 <= 3 * minimal.turn_p95
    tput_ok = ours.throughput >= minimal.throughput / 3
    lines.append("")
    lines.append(f"target: full turn p95 within 3x the minimal model's: "
                 f"{'met' if p95_ok else 'NOT met'} ({ours.turn_p95 / minimal.turn_p95:.1f}x)")
    lines.append(f"target: throughput at least a third of the minimal model's: "
                 f"{'met' if tput_ok else 'NOT met'} "
                 f"({ours.throughput / minimal.throughput:.2f} of it)")
    lines.append("training time of the assistant: the last `make train` (models/.train_seconds)")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(ROOT))  # the in-process tables import bot/ and scripts/
    if not list((ROOT / "models").glob("*.tar.gz")):
        print("bench: no trained model; run `make train` first", file=sys.stderr)
        return 1
    running: list[Started] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        work = Path(folder)
        try:
            print("bench: starting the assistant (scripts/run.sh) ...", flush=True)
            running.append(start_assistant(work))
            print("bench: training and starting a minimal Rasa model ...", flush=True)
            running.append(start_minimal(work))
            print("bench: measuring both, interleaved ...", flush=True)
            measure_interleaved([started.server for started in running])
            ours, minimal = (figures(started) for started in running)
        finally:
            for started in running:
                stop(started.proc)
    print(table(ours, minimal))
    print()
    print(long_table(*(started.server for started in running)))
    print()
    print(documents_table())
    print()
    from scripts.bench_uploads import uploads_table

    print(uploads_table())
    return 0


DOCUMENT_STORY = (
    "在吗 我11月3号在一家店买了件羽绒服 花了459 收到发现袖口有个破洞",
    "订单号是2231908877665512 我当天就拍了照片 也录了开箱视频",
    "我5号申请的退货退款，卖家说我自己弄破的，不给退，还说再闹就拉黑我。这种人怎么这样啊",
    "昨天他真把我拉黑了，旺旺发不出去了。小二会管吗",
) * 3  # a long case: twelve turns


def documents_table(rounds: int = 10) -> str:
    """In-process cost of the written texts: the story of a twelve-turn case, the case file
    text and its PDF (p50 / max over ``rounds``), and the PDF's size."""
    import datetime as dt

    from bot.catalog import load_catalog
    from bot.drafting.case_file import CaseFileParts, render_case_file
    from bot.drafting.case_pdf import case_file_pdf
    from bot.drafting.compose import facts_from_state
    from bot.readers import build_readers
    from bot.settings import load_settings
    from bot.understanding.state import Turn, derive_case_state
    from bot.understanding.story import tell

    catalog, settings = load_catalog(), load_settings()
    readers = build_readers(catalog)
    at = dt.datetime.fromisoformat("2026-11-20T10:00:00+08:00")
    turns = [Turn(text=text, time=at, intent="inform") for text in DOCUMENT_STORY]
    turns[0] = Turn(text=DOCUMENT_STORY[0], time=at, intent="quality_problem",
                    ranking=(("quality_problem", 0.9),))
    state = derive_case_state(turns, catalog.rulebook, catalog.lexicon, catalog.statutes)
    parts = CaseFileParts("商品质量问题", "2026年11月20日", "买家（本人）", "卖家", "", "", (),
                          "", "")
    story_ms, text_ms, pdf_ms, size = [], [], [], 0
    for _ in range(rounds):
        readers._is_fact.cache_clear()  # every round reads the clauses afresh
        start = time.perf_counter()
        story = [line.text for line in tell(turns, state, catalog.lexicon, catalog.story,
                                            readers.is_fact)]
        story_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        text = render_case_file(catalog.drafts, "buyer",
                                facts_from_state(state, catalog.lexicon, story), parts)
        text_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        size = len(case_file_pdf(text, settings.case_file_font, settings.case_file_font_index))
        pdf_ms.append(1000 * (time.perf_counter() - start))
    rows = [f"{'written texts (ms, twelve-turn case)':40} {'p50':>8} {'max':>8}"]
    for label, values in (("story (clause model, prose)", story_ms),
                          ("case file text", text_ms), ("case file PDF (fpdf2, CJK)", pdf_ms)):
        rows.append(f"{label:40} {statistics.median(values):8.1f} {max(values):8.1f}")
    rows.append(f"case file PDF size: {size / 1024:.0f} KiB (subset CJK font embedded)")
    return "\n".join(rows)


def long_table(ours: Server, minimal: Server) -> str:
    """Per-turn p50/p95 of the long conversation around turns 10, 50, 100 and 150, their
    growth against turn 10, and the first turn after start-up against a warm one."""
    lines = [f"{'long conversation (ms per turn)':40} {'assistant p50/p95':>18} "
             f"{'minimal p50/p95':>16}"]
    def window(server: Server, first: int, last: int) -> list[float]:
        return [1000 * t for t in server.long[first - 1:last]]
    base: dict[str, float] = {}
    for label, first, last in LONG_WINDOWS:
        shown = []
        for name, server in (("ours", ours), ("minimal", minimal)):
            times = window(server, first, last)
            p50 = statistics.median(times)
            base.setdefault(name, p50)
            shown.append(f"{p50:.1f}/{percentile(times, 0.95):.1f}")
        lines.append(f"{'turn ' + str(label) + f' (turns {first}-{last})':40} "
                     f"{shown[0]:>18} {shown[1]:>16}")
    growth = {name: statistics.median(window(server, 141, 150)) / base[name]
              for name, server in (("ours", ours), ("minimal", minimal))}
    lines.append(f"growth turn 150 / turn 10: assistant {growth['ours']:.2f}x, "
                 f"minimal {growth['minimal']:.2f}x (target 1.2x, the minimal model's own "
                 "growth is the floor)")
    warm = statistics.median(ours.turns) * 1000
    cold = (ours.cold or 0) * 1000
    lines.append(f"first turn after start-up {cold:.1f} ms, warm turn p50 {warm:.1f} ms "
                 f"(target: within 100 ms)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
