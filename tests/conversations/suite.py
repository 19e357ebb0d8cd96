"""The conversation suite: play each scenario against the running servers and check it.

Scenarios (``*.yml`` beside this file, format in FORMAT.md) were written blind, from the
domain brief and the intent catalog only; never train on them. Each turn's replies come
over REST; the case state after each turn is derived, with the same function the actions
use, from the tracker that the Rasa HTTP API returns.

Run as ``python -m tests.conversations.suite RASA_URL TOKEN [TRANSCRIPTS [FILE_STEM|- [FOLDER]]]``
against servers started with FIXED_CLOCK=2026-11-20T10:00:00+08:00 (``make
eval-conversations`` does all of it); FILE_STEM plays one file only (``two_in_one``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
import sys
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.understanding import dialogue
from bot.understanding.clauses import normalized
from bot.understanding.conversation import turns_from_events
from bot.understanding.extract import joined_digit_groups
from bot.understanding.snapshot import resume
from bot.understanding.state import CaseState, Turn, derive_case_state, read_turn, step_case_state
from tests.data import catalog, readers

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CLOCK = dt.datetime.fromisoformat("2026-11-20T10:00:00+08:00")
# conversations played at once: the two servers and this process each get work on a 2-core
# machine (SUITE_PLAYERS overrides; 1 plays them one by one)
PLAYERS = int(os.environ.get("SUITE_PLAYERS", "3"))
DEAD_ENDS = ("没能看懂", "没看懂", "帮不上忙", "没完全听懂")
CAVEAT = "不构成法律意见"
DATED_LINE = re.compile(r"\d{1,2}月\d{1,2}日（周")
SAFETY_WORDS = {"threat": ("110",), "fraud": ("诈骗", "报警"), "extortion": ("敲诈勒索", "报警")}
PHONE_LINES = 16  # about a phone screen, counting the buttons' line
KINDS = ("case", "role", "facts", "events", "safety", "no_dead_end", "question",
         "no_repeat", "caveat_once", "dated_limits", "fits_screen", "draft_kind", "draft_tone",
         "draft_facts", "draft_no_placeholder", "cites", "answer", "not_covered", "no_unsure",
         "no_role_question", "step_fits", "fold", "draft_not_invented", "draft_short",
         "draft_differs", "confirm_facts", "case_file", "reply_contains", "nothing_invented",
         "reminder")
# A reply that admits it does not see how a turn relates: never right for an in-scope turn.
UNSURE = ("不太确定", "有什么关系")
ROLE_QUESTION = "买家还是卖家"
# An honest "the rules we hold do not cover this": the wordings the assistant uses for it.
NOT_COVERED = ("没有具体的规定", "没有对应的法律条文", "掌握的规则里没有", "规则里没有写")
SHORT_DRAFT = 120  # one chat bubble
SAME_DRAFT = 0.85  # a rewrite closer than this to the draft before it is a near copy
DATE_WORDS = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]|\d{1,2}[日号]")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
CONFIRM_WORDS = ("确认", "对吗", "是否", "有没有", "改", "？", "?")
HEADER = re.compile(r"下面是(?P<kind>.+?)（写给(?P<addressee>.+?)，(?P<tone>.+?)语气）")


REMINDER_WORD = "提醒"
CANCELLED_WORDS = ("取消", "删除", "不再提醒")


def _check_reminder(wanted: dict, joined: str, where: str, result: Result) -> None:
    """A reminder set says when (a date), a named date is the one set; a list or a cancel
    speaks of reminders; none of them is answered as unrelated."""
    ok = REMINDER_WORD in joined and not any(u in joined for u in UNSURE)
    if wanted.get("cancel"):
        ok = ok and any(word in joined for word in CANCELLED_WORDS)
    elif not wanted.get("list"):
        ok = ok and DATE_WORDS.search(joined) is not None
        if wanted.get("date"):
            day = dt.date.fromisoformat(str(wanted["date"]))
            ok = ok and f"{day.month}月{day.day}日" in joined.replace("号", "日")
    result.check("reminder", ok, f"{where}: reminder {wanted} not in {joined[:80]!r}")


@dataclass
class Result:
    """Passed and failed checks per kind, with the failures' descriptions."""

    passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def check(self, kind: str, ok: bool, where: str) -> None:
        if ok:
            self.passed[kind] += 1
        else:
            self.failed[kind].append(where)

    def rate(self, kind: str) -> float | None:
        total = self.passed[kind] + len(self.failed[kind])
        return None if total == 0 else self.passed[kind] / total

    def table(self) -> str:
        lines = [f"{'check':<14}{'passed':>8}{'total':>8}{'rate':>8}"]
        for kind in KINDS:
            total = self.passed[kind] + len(self.failed[kind])
            if total:
                lines.append(f"{kind:<14}{self.passed[kind]:>8}{total:>8}{self.rate(kind):>8.3f}")
        return "\n".join(lines)


def load_scenarios(folder: Path = HERE, only: str | None = None) -> list[dict[str, Any]]:
    """Every conversation of every scenario file (or of ``only``.yml), in file order."""
    scenarios: list[dict[str, Any]] = []
    for path in sorted(folder.glob(f"{only}.yml" if only else "*.yml")):
        scenarios.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return scenarios


def _number_equal(expected: Any, value: Any) -> bool:
    try:
        return value is not None and Decimal(str(expected)) == Decimal(str(value))
    except ArithmeticError:
        return False


def _same_script(text: str) -> str:
    """A fact as the assistant keeps it: Simplified, half-width, English words in Chinese
    ("手機殼" is 手机壳, "screenshot" is 截图), so the check does not hang on the script."""
    return normalized(text, catalog().mixed_language).strip().lower()


def _contains(expected: str, values: list[str]) -> bool:
    expected, values = _same_script(expected), [_same_script(v) for v in values]
    return any(expected in v or (len(v) >= 2 and v in expected) for v in values)


def _fact_ok(name: str, expected: Any, state: CaseState) -> bool:
    if name in ("amount", "demand_amount"):
        return _number_equal(expected, state.value(name))
    if name in ("order_number", "product_id"):
        return str(state.value(name)) == str(expected)
    if name == "item":
        return _contains(str(expected), [str(state.value("item") or "")])
    if name == "problem":
        return _contains(str(expected), [str(v) for v in state.values("problems")])
    if name in ("evidence", "wants"):
        return all(_contains(str(item), [str(v) for v in state.values(name)]) for item in expected)
    return False


def _cited(cite: str, replies: str) -> bool:
    """Whether the replies cite "DOCUMENT 第X条": the document in 《》 and the article."""
    document, _, article = cite.partition(" ")
    return f"《{document}》" in replies and article in replies


def _check_draft(expect: dict[str, Any] | None, replies: list[str], where: str,
                 result: Result) -> str | None:
    """Check the draft a turn returned (the reply after the header); return its text."""
    found = [(i, HEADER.search(r)) for i, r in enumerate(replies)]
    headers = [(i, match) for i, match in found if match]
    draft = replies[headers[-1][0] + 1] if headers and headers[-1][0] + 1 < len(replies) else None
    if not expect:
        return draft
    if draft is None:
        for kind in ("draft_kind", "draft_facts"):
            result.check(kind, False, f"{where}: no draft in {' | '.join(replies)[:80]!r}")
        return None
    match = headers[-1][1]
    labels = {kind.label: kind.id for kind in catalog().drafts.kinds.values()}
    got = labels.get(match.group("kind"))
    if "kind" in expect:
        result.check("draft_kind", got == expect["kind"],
                     f"{where}: kind {got} != {expect['kind']}")
    if "tone" in expect:
        want = catalog().wording.label("tone", expect["tone"])
        result.check("draft_tone", match.group("tone") == want,
                     f"{where}: tone {match.group('tone')} != {want}")
    for needle in expect.get("contains") or []:
        result.check("draft_facts", str(needle) in draft, f"{where}: {needle!r} not in draft")
    for placeholder in expect.get("absent") or []:
        result.check("draft_no_placeholder", placeholder not in draft,
                     f"{where}: {placeholder} in draft")
    for wrong in expect.get("not_contains") or []:
        result.check("draft_not_invented", str(wrong) not in draft,
                     f"{where}: {wrong!r} in draft")
    if expect.get("short"):
        result.check("draft_short", len(draft) <= SHORT_DRAFT,
                     f"{where}: {len(draft)} characters")
    return draft


def _near_copy(draft: str, before: str | None) -> bool:
    """Whether a rewrite is (almost) the draft shown before it."""
    return before is not None and difflib.SequenceMatcher(None, before, draft).ratio() >= SAME_DRAFT


def _numbers(text: str) -> set[str]:
    """The numbers of a text, dates left out (they are checked as facts); digits typed in
    groups ("1887 2045 6613 0298") count as typed and as the one number they make."""
    plain = DATE_WORDS.sub(" ", normalized(text))
    return {n.rstrip("0").rstrip(".") if "." in n else n
            for n in NUMBER.findall(plain) + NUMBER.findall(joined_digit_groups(plain))}


def invented_numbers(text: str, said: list[str], state: CaseState) -> set[str]:
    """Numbers in a text the assistant wrote that come neither from the user's words (or the
    facts read from them) nor from the project's rule data."""
    allowed = set().union(*(_numbers(s) for s in said), rule_numbers())
    allowed |= {str(state.value(name)) for name in ("amount", "demand_amount")
                if state.value(name) is not None}
    allowed |= {n.rstrip("0").rstrip(".") for n in list(allowed) if "." in n}
    return {n for n in _numbers(text) if n not in allowed and len(n.split(".")[0]) >= 3}


@functools.lru_cache(maxsize=1)
def rule_numbers() -> frozenset[str]:
    """Every number written in the rule book, the cases and the draft templates."""
    found: set[str] = set()
    for folder in ("data/rulebook", "data/cases", "data/drafts", "data/locale"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in (".yml", ".j2"):
                found |= set(NUMBER.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


class Player:
    """Talks to the servers: one REST message, then the tracker through the HTTP API."""

    def __init__(self, rasa: str, token: str, rest_token: str | None = None) -> None:
        self.rasa, self.token = rasa.rstrip("/"), token
        self.session = requests.Session()
        rest_token = rest_token or os.environ.get("REST_TOKEN")
        self.rest_headers = {"Authorization": f"Bearer {rest_token}"} if rest_token else {}
        self.documents: set[str] = set()

    def say(self, sender: str, text: str) -> list[str]:
        """The texts of the reply; ``documents`` gets those marked as a case file (a
        document, like a draft, not read against the phone screen)."""
        reply = self.session.post(f"{self.rasa}/webhooks/rest/webhook",
                                  json={"sender": sender, "message": text},
                                  headers=self.rest_headers, timeout=60)
        reply.raise_for_status()
        items = reply.json()
        marked = zip(items, items[1:], strict=False)
        self.documents = {before.get("text", "") for before, item in marked
                          if (item.get("custom") or {}).get("case_file")}
        return [item.get("text", "") for item in items if item.get("text")]

    def events(self, sender: str) -> list[dict[str, Any]]:
        reply = self.session.get(f"{self.rasa}/conversations/rest-{sender}/tracker",
                                 params={"token": self.token}, timeout=60)
        reply.raise_for_status()
        return reply.json().get("events") or []


def play(conversation: dict[str, Any], player: Player, result: Result) -> list[str]:
    """Play one conversation, record its checks, return its transcript."""
    book, lexicon, statutes = catalog().rulebook, catalog().lexicon, catalog().statutes
    sender = f"suite-{conversation['id']}-{uuid.uuid4().hex[:6]}"
    transcript, all_replies, cases = [], [], set()
    user_words: list[str] = []  # every message the user sent so far
    last_draft: str | None = None
    state, snapshot = CaseState(), None

    def step(previous: CaseState, said: Turn) -> CaseState:
        return step_case_state(previous, said, book, lexicon, statutes, readers().role,
                               readers().safety_flags, readers().sum_kind)

    for number, turn in enumerate(conversation["turns"], start=1):
        where = f"{conversation['id']}#{number}"
        replies = player.say(sender, turn["user"])
        user_words.append(turn["user"])
        turns = turns_from_events(player.events(sender), book.case_types(), CLOCK)
        state = derive_case_state(turns, book, lexicon, statutes, readers().role,
                                  readers().safety_flags, readers().sum_kind)
        folded, snapshot = resume(turns, snapshot, step,
                                  lambda t: read_turn(t, lexicon, readers().sum_kind))
        result.check("fold", folded == state, f"{where}: the fold differs from the derivation")
        transcript += [f"你  {turn['user']}", *(f"bot {r}" for r in replies)]
        all_replies += replies
        if state.case_type:
            cases.add(f"{state.case_type}@{state.opened_turn}")
        expect = turn.get("expect") or {}
        joined = "\n".join(replies)
        if "case" in expect:
            result.check("case", state.case_type == expect["case"],
                         f"{where}: case {state.case_type} != {expect['case']}")
        if "role" in expect:
            entry = dialogue.entry_for(state, book)
            role = entry.role if entry else state.role
            result.check("role", role == expect["role"], f"{where}: role {role} != {expect['role']}")  # noqa: E501
        for name, value in (expect.get("facts") or {}).items():
            result.check("facts", _fact_ok(name, value, state), f"{where}: {name}={value!r}")
        for event, day in (expect.get("events") or {}).items():
            got = state.event_date(event)
            result.check("events", got is not None and got.isoformat() == str(day),
                         f"{where}: {event} {got} != {day}")
        if "safety" in expect:
            first = replies[0] if replies else ""
            words = SAFETY_WORDS[expect["safety"]]
            result.check("safety", all(w in first for w in words),
                         f"{where}: safety {expect['safety']} not first")
        if not expect.get("out_of_scope"):
            result.check("no_dead_end", bool(replies) and not any(d in joined for d in DEAD_ENDS),
                         f"{where}: dead end: {joined[:60]!r}")
        if expect.get("question"):
            substantive = len(joined) >= 30 and not any(d in joined for d in DEAD_ENDS)
            result.check("question", substantive, f"{where}: question got {joined[:60]!r}")
        if expect.get("cites"):
            result.check("cites", any(_cited(cite, joined) for cite in expect["cites"]),
                         f"{where}: none of {expect['cites']} cited in {joined[:60]!r}")
        if not expect.get("out_of_scope"):
            result.check("no_unsure", not any(u in joined for u in UNSURE),
                         f"{where}: unsure: {joined[:60]!r}")
        if expect.get("answer_any"):
            wanted = [str(w) for w in expect["answer_any"]]
            result.check("answer", any(_same_script(w) in _same_script(joined) for w in wanted),
                         f"{where}: none of {wanted} in {joined[:60]!r}")
        if expect.get("not_covered"):
            result.check("not_covered", any(n in joined for n in NOT_COVERED),
                         f"{where}: no not-covered line in {joined[:60]!r}")
        if expect.get("role_stated"):
            result.check("no_role_question", ROLE_QUESTION not in joined,
                         f"{where}: asked the role")
        if expect.get("not_advise"):
            said = [str(w) for w in expect["not_advise"] if str(w) in joined]
            result.check("step_fits", not said, f"{where}: advised {said}")
        draft = _check_draft(expect.get("draft"), replies, where, result)
        if draft is not None and (expect.get("draft") or {}).get("differs"):
            result.check("draft_differs", not _near_copy(draft, last_draft),
                         f"{where}: the rewrite is a near copy")
        for needle in expect.get("reply_contains") or []:
            result.check("reply_contains", _same_script(str(needle)) in _same_script(joined),
                         f"{where}: {needle!r} not in the reply")
        if "confirm_facts" in expect:
            asks = any(word in joined for word in CONFIRM_WORDS)
            result.check("confirm_facts", draft is None and asks,
                         f"{where}: no confirmation asked before the draft")
            for needle in expect["confirm_facts"] or []:
                result.check("confirm_facts", _same_script(str(needle)) in _same_script(joined),
                             f"{where}: {needle!r} not in the list to confirm")
        if "case_file" in expect:
            wanted = expect["case_file"] or {}
            for needle in wanted.get("contains") or []:
                result.check("case_file", _same_script(str(needle)) in _same_script(joined),
                             f"{where}: {needle!r} not in the case file")
            for wrong in wanted.get("not_contains") or []:
                result.check("draft_not_invented", str(wrong) not in joined,
                             f"{where}: {wrong!r} in the case file")
        if "reminder" in expect:
            _check_reminder(expect["reminder"] or {}, joined, where, result)
        written = draft if draft is not None else (joined if "case_file" in expect else None)
        if written is not None:
            extra = invented_numbers(written, user_words, state)
            result.check("nothing_invented", not extra, f"{where}: numbers {sorted(extra)}")
        if draft is not None:
            last_draft = draft
        lines = sum(r.count("\n") + 1 for r in replies
                    if r != draft and r not in player.documents)
        result.check("fits_screen", lines <= PHONE_LINES, f"{where}: {lines} lines")
    long_replies = [r for r in all_replies if len(r) >= 40]
    result.check("no_repeat", len(long_replies) == len(set(long_replies)),
                 f"{conversation['id']}: a reply repeated")
    caveats = sum(r.count(CAVEAT) for r in all_replies)
    result.check("caveat_once", caveats <= max(1, len(cases)),
                 f"{conversation['id']}: caveat {caveats}x for {len(cases)} case(s)")
    facts = dialogue.case_facts(state, CLOCK.date(), book, lexicon)
    if facts is not None:
        entry = dialogue.entry_for(state, book)
        countable = {limit.counts_from for limit in entry.time_limits} & set(facts.event_dates)
        if countable:
            result.check("dated_limits", any(DATED_LINE.search(r) for r in all_replies),
                         f"{conversation['id']}: dates known for {sorted(countable)}, none shown")
    return transcript


def run_suite(rasa: str, token: str, transcripts: Path | None = None,
              only: str | None = None, by_file: dict[str, Result] | None = None,
              folder: Path = HERE, rest_token: str | None = None,
              workers: int = PLAYERS) -> Result:
    """Play every scenario of ``folder`` (or one file's); optionally write the transcripts
    to a file; ``by_file`` gets one result per scenario file as well. The REST channel's
    token is ``rest_token``, else ``REST_TOKEN`` from the environment. ``workers``
    conversations are played at once (each its own sender), so that the two servers and
    this process work side by side; results and transcripts keep the files' order."""
    catalog(), readers()  # built once, before the players share them
    games = [(path.stem, conversation)
             for path in sorted(folder.glob(f"{only}.yml" if only else "*.yml"))
             for conversation in load_scenarios(folder, only=path.stem)]

    def one(conversation: dict[str, Any]) -> tuple[Result, list[str]]:
        own = Result()
        lines = play(conversation, Player(rasa, token, rest_token), own)
        return own, [f"## {conversation['id']}", *lines, ""]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        played = list(pool.map(one, [conversation for _, conversation in games]))
    result, written = Result(), []
    for (stem, _), (own, lines) in zip(games, played, strict=True):
        written += lines
        _add(result, own)
        if by_file is not None:
            _add(by_file.setdefault(stem, Result()), own)
    if transcripts is not None:
        transcripts.parent.mkdir(parents=True, exist_ok=True)
        transcripts.write_text("\n".join(written), encoding="utf-8")
    return result


def _add(total: Result, part: Result) -> None:
    for kind in KINDS:
        total.passed[kind] += part.passed[kind]
        total.failed[kind] += part.failed[kind]


def main(argv: list[str]) -> int:
    rasa, token = argv[1], argv[2]
    out = Path(argv[3]) if len(argv) > 3 else None
    only = argv[4] if len(argv) > 4 and argv[4] != "-" else None
    folder = Path(argv[5]) if len(argv) > 5 else HERE
    by_file: dict[str, Result] = {}
    result = run_suite(rasa, token, out, only=only, by_file=by_file, folder=folder)
    print(result.table())
    for kind in KINDS:
        for failure in result.failed[kind][:8]:
            print(f"  {kind}: {failure}")
    if out is not None:
        write_reports(out, result, by_file)
    return 0


def write_reports(out: Path, result: Result, by_file: dict[str, Result]) -> None:
    """Every failure (``<out>.failures.txt``) and one table per scenario file
    (``<out>.by_file.txt``), beside the transcripts."""
    every = [f"{kind}: {failure}" for kind in KINDS for failure in result.failed[kind]]
    out.with_suffix(".failures.txt").write_text("\n".join(every) + "\n", encoding="utf-8")
    tables = [f"## {stem}\n{own.table()}" for stem, own in by_file.items()]
    out.with_suffix(".by_file.txt").write_text("\n\n".join(tables) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
