"""Rule-book loader: one test per validation error, plus checks on the real rule book."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.rulebook import (
    ORDER_STATUSES,
    RuleBook,
    RuleBookError,
    Unit,
    load_rulebook,
)
from tests.data import catalog

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "rulebook_base"
BAD = FIXTURES / "bad_rulebook"
BAD_SPECIAL = FIXTURES / "bad_special"
REPO = Path(__file__).resolve().parents[2]

# The 18 case-type intents of the public intent catalog (shared/intents.md, beside the
# repository), hard-coded here on purpose: tests must not read ../shared. The one copy:
# other tests take the case types from the folders of data/cases/
# (tests/unit/test_case_folders.py checks these come first there, in this order).
INTENT_CATALOG_CASES = [
    "ruling_unfair",
    "refund_refused",
    "seller_harassment",
    "not_shipped",
    "not_received",
    "not_as_described",
    "quality_problem",
    "counterfeit",
    "broken_promise",
    "staff_complaint",
    "external_escalation",
    "lawsuit",
    "accused_of_harassment",
    "wrong_item_returned",
    "listing_violation",
    "image_theft",
    "malicious_review",
    "logistics_claim",
]
BOTH_ROLES = {"ruling_unfair", "staff_complaint", "logistics_claim"}
SELLER_ONLY = {
    "accused_of_harassment",
    "wrong_item_returned",
    "listing_violation",
    "image_theft",
    "malicious_review",
}

# a practice article, or a document id of data/law/sources.yml with an optional article
SOURCE_TAG = re.compile(r"^(src 00[0-4]|[^\s,；]+( 第[一二三四五六七八九十百千]+条)?)$")


def _book_dir(tmp_path: Path, *extra: Path, replace: dict | None = None) -> Path:
    """A copy of the base fixture plus extra case files (and replaced fixed files)."""
    target = tmp_path / "rulebook"
    shutil.copytree(BASE, target)
    for path in extra:
        shutil.copy(path, target / path.name)
    for name, source in (replace or {}).items():
        shutil.copy(source, target / name)
    return target


def _load(directory: Path, require_complete: bool) -> RuleBook:
    """The rule book in ``directory``, for the repository's case types, sources and holidays."""
    data = catalog()
    return load_rulebook(directory, cases=data.cases, sources=data.sources,
                         holidays=data.rulebook.holidays, require_complete=require_complete)


def _load_error(directory: Path) -> RuleBookError:
    with pytest.raises(RuleBookError) as caught:
        _load(directory, require_complete=False)
    return caught.value


def test_base_fixture_loads(tmp_path: Path) -> None:
    book = _load(_book_dir(tmp_path), require_complete=False)
    assert isinstance(book, RuleBook)
    assert [e.id for e in book.entries()] == ["refund_refused.buyer"]
    assert book.entry("refund_refused").time_limit("intervention_available").source == "src 000"


# ---- one test per error kind --------------------------------------------------------

CASE_FILE_ERRORS = [
    # (bad file, entry id named, field named, words in the problem)
    ("unknown_unit.yml", "bad_unit", "time_limits[late_shipping].unit", "unknown unit 'days'"),
    ("missing_source.yml", "no_source", "time_limits[late_shipping].source", "source is missing"),
    (
        "empty_source.yml",
        "blank_source",
        "time_limits[late_shipping].source",
        "source is missing or empty",
    ),
    (
        "unknown_event.yml",
        "bad_event",
        "time_limits[late_shipping].counts_from",
        "unknown event 'parcel_eaten_by_dog'",
    ),
    ("duplicate_limit.yml", "dup_limit", "time_limits", "duplicate time-limit id 'late_shipping'"),
    ("duplicate_entry_same_file.yml", "twice", "id", "duplicate entry id"),
    ("duplicate_entry_across_files.yml", "refund_refused.buyer", "id", "already defined in"),
    ("unknown_rung.yml", "bad_rung", "ladder[ask_the_moon]", "unknown ladder rung 'ask_the_moon'"),
    ("unknown_case_type.yml", "bad_case", "case_type", "unknown case type 'bought_a_ufo'"),
    ("unknown_role.yml", "bad_role", "role", "unknown role 'courier'"),
    (
        "amount_max_below_amount.yml",
        "bad_range",
        "time_limits[report_handling].amount_max",
        "amount_max 3 is less than amount 5",
    ),
    ("role_not_for_case.yml", "wrong_role", "role", "does not apply to case type 'not_shipped'"),
    ("rung_of_other_side.yml", "seller_rung", "ladder[explain_and_appeal]", "seller rung"),
    ("unknown_safety_flag.yml", "bad_flag", "safety", "unknown safety flag 'call_ghostbusters'"),
    (
        "unknown_shared_limit.yml",
        "bad_use",
        "time_limits[0].use",
        "unknown shared time limit 'no_such_limit'",
    ),
    (
        "unknown_start_if_limit.yml",
        "bad_start",
        "ladder[platform_request].start_if.reached",
        "unknown time limit",
    ),
]


@pytest.mark.parametrize(
    ("file_name", "entry_id", "field", "problem"),
    CASE_FILE_ERRORS,
    ids=[c[0] for c in CASE_FILE_ERRORS],
)
def test_case_file_error_names_file_entry_and_field(
    tmp_path: Path, file_name: str, entry_id: str, field: str, problem: str
) -> None:
    error = _load_error(_book_dir(tmp_path, BAD / file_name))
    message = str(error)
    assert file_name in message
    assert f"entry '{entry_id}'" in message
    assert field in message
    assert problem in message
    assert error.entry == entry_id and error.field == field and error.file.endswith(file_name)


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    error = _load_error(_book_dir(tmp_path, BAD / "malformed_yaml.yml"))
    message = str(error)
    assert "malformed_yaml.yml" in message
    assert "malformed YAML" in message
    assert "line" in message  # the YAML parser's position; no entry can be parsed


SPECIAL_FILE_ERRORS = [
    ("ladder.yml", "ladder_rung_without_sources.yml", "rung 'platform_request'", "sources"),
    (
        "timelines.yml",
        "timelines_unknown_unit.yml",
        "time limit 'intervention_available'",
        "unknown unit 'fortnights'",
    ),
    (
        "timelines.yml",
        "timelines_unknown_event.yml",
        "time limit 'intervention_available'",
        "unknown event 'full_moon'",
    ),
    (
        "safety.yml",
        "safety_unknown_flag.yml",
        "trigger '#1'",
        "unknown safety flag 'summon_dragon'",
    ),
]


@pytest.mark.parametrize(
    ("target", "bad", "named", "problem"),
    SPECIAL_FILE_ERRORS,
    ids=[c[1] for c in SPECIAL_FILE_ERRORS],
)
def test_fixed_file_errors_name_file_and_item(
    tmp_path: Path, target: str, bad: str, named: str, problem: str
) -> None:
    error = _load_error(_book_dir(tmp_path, replace={target: BAD_SPECIAL / bad}))
    message = str(error)
    assert target in message and named in message and problem in message


def test_missing_fixed_file(tmp_path: Path) -> None:
    directory = _book_dir(tmp_path)
    (directory / "events.yml").unlink()
    assert "events.yml: file is missing" in str(_load_error(directory))


def test_incomplete_rule_book_lists_missing_cases(tmp_path: Path) -> None:
    with pytest.raises(RuleBookError) as caught:
        _load(_book_dir(tmp_path), require_complete=True)
    message = str(caught.value)
    assert (
        "no entry for" in message
        and "not_shipped/buyer" in message
        and "ruling_unfair/seller" in message
    )


# ---- the real rule book -------------------------------------------------------------


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return catalog().rulebook


def _roles_by_case() -> dict[str, tuple[str, ...]]:
    return {c.id: c.roles for c in catalog().cases.values()}


def test_case_types_match_the_intent_catalog(book: RuleBook) -> None:
    roles_by_case = _roles_by_case()
    assert list(book.case_types())[:len(INTENT_CATALOG_CASES)] == INTENT_CATALOG_CASES
    assert set(book.asked_role_cases()) & set(INTENT_CATALOG_CASES) == BOTH_ROLES
    for case in INTENT_CATALOG_CASES:
        expected = (
            ("buyer", "seller")
            if case in BOTH_ROLES
            else ("seller",)
            if case in SELLER_ONLY
            else ("buyer",)
        )
        assert roles_by_case[case] == expected


def test_real_rule_book_has_an_entry_for_every_case_and_role(book: RuleBook) -> None:
    roles_by_case = _roles_by_case()
    for case in book.case_types():
        assert book.roles_for(case) == list(roles_by_case[case]), case
        for role in roles_by_case[case]:
            assert book.entry(case, role).role == role
    assert len(book.entries()) == sum(len(roles) for roles in roles_by_case.values())


def test_entry_lookup_rules(book: RuleBook) -> None:
    assert book.entry("ruling_unfair").role == "buyer"
    assert book.entry("ruling_unfair", "seller").role == "seller"
    assert book.entry("image_theft").role == "seller"
    # the intent implies the role, so a stale role slot still finds the only entry
    assert book.entry("refund_refused", "seller").id == "refund_refused.buyer"
    with pytest.raises(KeyError):
        book.entry("bought_a_ufo")
    with pytest.raises(KeyError):
        book.rung("ask_the_moon")
    with pytest.raises(KeyError):
        book.event_label("full_moon")
    assert book.rung("platform_intervention").sources
    assert book.event_label("refund_requested")


def test_every_time_limit_has_a_known_source_tag(book: RuleBook) -> None:
    for entry in book.entries():
        for limit in entry.time_limits:
            assert limit.source, (entry.id, limit.id)
            for tag in re.split(r"[,；]\s*", limit.source):
                assert SOURCE_TAG.match(tag.strip()), (entry.id, limit.id, tag)
                assert book.cite(tag), (entry.id, limit.id, tag)


def test_asks_follow_the_architecture(book: RuleBook) -> None:
    for entry in book.entries():
        assert ("role" in entry.asks) == (entry.case_type in BOTH_ROLES), entry.id
        if "key_date" in entry.asks:
            events = {entry.key_event, *entry.key_event_by_status.values()}
            counted = {limit.counts_from for limit in entry.time_limits}
            assert entry.key_event in counted, entry.id
            assert events <= set(book.events()), entry.id
        for status in entry.key_event_by_status:
            assert status in ORDER_STATUSES


# (amount, amount_max, unit, counts_from) for every timeline of the domain brief
BRIEF_TIMELINES = [
    (3, None, Unit.CALENDAR_DAYS, "refund_requested"),  # about 3 days -> 客服介入
    (9, None, Unit.CALENDAR_DAYS, "refund_requested"),  # 维权中心 after 9 days
    (3, None, Unit.CALENDAR_DAYS, "intervention_requested"),  # evidence 3 days
    (24, None, Unit.HOURS, "evidence_submitted"),  # seller confirms within 24 h
    (4, None, Unit.WORKING_DAYS, "manual_review_started"),  # review 4 working days
    (3, None, Unit.WORKING_DAYS, "both_submitted"),  # opinion 3 working days
    (5, None, Unit.CALENDAR_DAYS, "complaint_filed"),  # 投诉 handled within 5 days
    (15, None, Unit.CALENDAR_DAYS, "trade_completed"),  # 申请售后 within 15 days
    (72, None, Unit.HOURS, "complaint_filed"),  # 未收到货 72 hours
    (24, None, Unit.HOURS, "amount_changed"),  # ... extended 24 h after a late change
    (2, None, Unit.WORKING_DAYS, "seller_refused"),  # ... then 2 working days
    (15, None, Unit.CALENDAR_DAYS, "order_created"),  # 违背承诺 within 15 days of creation
    (72, None, Unit.HOURS, "payment"),  # late shipping
    (24, None, Unit.HOURS, "payment"),  # newer 24 h shipping rule
    (15, None, Unit.CALENDAR_DAYS, "trade_closed"),  # late-shipping complaint window
    (3, None, Unit.CALENDAR_DAYS, "complaint_received"),  # harassment: accused evidence
    (3, None, Unit.WORKING_DAYS, "complaint_received"),  # harassment handled
    (5, None, Unit.WORKING_DAYS, "complaint_received"),  # harassment finished
    (3, 5, Unit.WORKING_DAYS, "report_filed"),  # counterfeit report
    (1, None, Unit.WORKING_DAYS, "report_filed"),  # prohibited items report
    (1, 3, Unit.CALENDAR_DAYS, "complaint_filed"),  # 客服小蜜 human complaint
    (24, None, Unit.HOURS, "complaint_filed"),  # stolen images: originals
    (1, None, Unit.CALENDAR_DAYS, "complaint_upheld"),  # stolen images: delisted
    (24, None, Unit.HOURS, "after_sales_requested"),  # Tmall after-sales review
    (7, None, Unit.CALENDAR_DAYS, "goods_received"),  # 七天无理由
    (365, None, Unit.CALENDAR_DAYS, "logistics_issue"),  # logistics claim 1 year
]


def test_every_brief_timeline_is_in_the_rule_book(book: RuleBook) -> None:
    present = {
        (limit.amount, limit.amount_max, limit.unit, limit.counts_from)
        for entry in book.entries()
        for limit in entry.time_limits
    }
    missing = [t for t in BRIEF_TIMELINES if t not in present]
    assert not missing


def _strings(value: object):
    """Every text of a parsed entry, except source references (written "<id> <article>")."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in {"source", "sources"}:
                yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


CJK_SPACE = re.compile(
    r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] +[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)


def test_no_stray_spaces_inside_chinese_text(book: RuleBook) -> None:
    """Folded YAML scalars put spaces between lines; Chinese text must not have them."""
    texts = [s for entry in book.entries() for s in _strings(entry.dict())]
    texts += [s for rung in book.rungs() for s in _strings(rung.dict())]
    texts += list(book.events().values())
    bad = [t for t in texts if CJK_SPACE.search(t)]
    assert not bad


def test_bot_modules_hold_no_chinese_text() -> None:
    for name in ("rulebook/__init__.py", "rulebook/names.py", "rulebook/schema.py",
                 "rulebook/book.py", "rulebook/loader.py", "deadlines.py", "guidance.py",
                 "wording.py", "sources.py", "statutes.py", "citing.py"):
        source = (REPO / "bot" / name).read_text(encoding="utf-8")
        assert not re.search(r"[\u4e00-\u9fff]", source), name


def test_the_actions_hold_no_chinese_text() -> None:
    """User-facing text lives in domain.yml and data/; the actions only pass it on."""
    for path in sorted((REPO / "actions").glob("*.py")):
        assert not re.search(r"[\u4e00-\u9fff]", path.read_text(encoding="utf-8")), path.name
