"""Guidance for every case type, dated deadlines, ladder moves, safety flags, text helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.guidance import (
    CaseFacts,
    DeadlineItem,
    Guidance,
    build_guidance,
    rung_at,
    safety_flags_in,
    safety_notes,
)
from bot.rulebook import ORDER_STATUSES, ROLES
from tests.data import catalog

D = dt.date
TODAY = D(2026, 11, 22)


BOOK = catalog().rulebook
WORDS = catalog().wording
CASE_TYPES = BOOK.case_types()


def guide(
    case: str,
    role: str | None = None,
    status: str | None = None,
    key: dt.date | None = None,
    today: dt.date = TODAY,
) -> Guidance:
    facts = CaseFacts(case_type=case, role=role, order_status=status, key_date=key, today=today)
    return build_guidance(BOOK, facts)


def item(g: Guidance, limit_id: str) -> DeadlineItem:
    return next(d for d in g.deadlines if d.limit_id == limit_id)


CASES = [
    # (case, role, words in the first step, key event, first rung)
    ("refund_refused", None, "旺旺", "refund_requested", "seller_contact"),
    ("seller_harassment", None, "报警", "trade_completed", "platform_request"),
    ("not_shipped", None, "催", "payment", "seller_contact"),
    ("not_received", None, "签收底单", "trade_completed", "seller_contact"),
    ("not_as_described", None, "商品页面", "trade_completed", "seller_contact"),
    ("quality_problem", None, "照片和视频", "trade_completed", "seller_contact"),
    ("counterfeit", None, "保存证据", "trade_completed", "seller_contact"),
    ("broken_promise", None, "承诺", "order_created", "seller_contact"),
    ("staff_complaint", "buyer", "截图", "complaint_filed", "staff_channel"),
    ("staff_complaint", "seller", "商家热线", None, "merchant_service"),
    ("external_escalation", None, "12315", None, "external_complaint"),
    ("lawsuit", None, "律师", None, "platform_intervention"),
    ("accused_of_harassment", None, "3天内", "complaint_received", "explain_and_appeal"),
    ("wrong_item_returned", None, "验货", "intervention_requested", "dispute_evidence"),
    ("listing_violation", None, "规则", None, "fix_and_republish"),
    ("image_theft", None, "盗图投诉", "complaint_filed", "image_complaint"),
    ("malicious_review", None, "辱骂", "trade_completed", "review_complaint"),
    ("logistics_claim", "buyer", "物流记录", "trade_completed", "seller_contact"),
    ("logistics_claim", "seller", "菜鸟", "logistics_issue", "logistics_complaint"),
    ("ruling_unfair", "buyer", "新的证据", "ruling_received", "appeal"),
    ("ruling_unfair", "seller", "申诉页面", "ruling_received", "explain_and_appeal"),
]


def test_table_covers_every_case_type() -> None:
    assert {c[0] for c in CASES} == set(CASE_TYPES)


@pytest.mark.parametrize(
    ("case", "role", "first", "key_event", "rung"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_guidance_for_every_case_type(
    case: str, role: str | None, first: str, key_event: str | None, rung: str
) -> None:
    g = guide(case, role)
    assert g.case_type == case
    assert first in g.first_steps[0]
    assert g.key_event == key_event
    assert g.current_rung_index == 0 and g.current_rung.id == rung
    assert g.summary and g.current_rung.name and g.current_rung.action
    # without a key date nothing is dated, and nothing is claimed to have passed
    assert all(d.due is None and not d.passed and d.covered for d in g.deadlines)
    for d in g.deadlines:
        assert d.source and d.citations and d.counts_from_label
        line = WORDS.format_deadline(d)
        assert WORDS.source_tag(d.citations) in line and d.counts_from_label in line
        assert "src" not in line  # users read the source's name, never its tag


@pytest.mark.parametrize("case", CASE_TYPES)
@pytest.mark.parametrize("status", (None, *ORDER_STATUSES))
def test_every_case_builds_for_every_status_with_a_key_date(case: str, status: str | None) -> None:
    for role in ROLES:
        g = guide(case, role, status, D(2026, 11, 1))
        assert 0 <= g.current_rung_index < len(g.ladder)
        for d in g.deadlines:
            if d.counts_from == g.key_event:
                assert d.due is not None
            WORDS.format_deadline(d, TODAY)


def test_role_defaults_to_buyer_when_both_apply() -> None:
    assert guide("ruling_unfair").role == "buyer"
    assert guide("ruling_unfair", "seller").role == "seller"
    assert guide("malicious_review").role == "seller"


# ---- the refund example -------------------------------------------------------------


def test_refund_example_dates() -> None:
    g = guide("refund_refused", "buyer", "refunding", D(2026, 11, 18), today=D(2026, 11, 19))
    intervention = item(g, "intervention_available")
    rights_center = item(g, "rights_center_available")
    assert (
        intervention.due == D(2026, 11, 21)
        and intervention.kind == "opens"
        and intervention.approximate
    )
    assert rights_center.due == D(2026, 11, 27)
    assert not intervention.reached and not intervention.passed
    # counted from other events that are not known yet: no date
    assert item(g, "evidence_window").due is None and item(g, "platform_review").due is None
    # refund requested, 客服介入 not yet possible: on the request rung, intervention next
    assert g.current_rung.id == "platform_request"
    assert g.next_rung is not None and g.next_rung.id == "platform_intervention"
    assert g.now_possible == ()

    line = WORDS.format_deadline(intervention, D(2026, 11, 19))
    assert WORDS.format_date_weekday(D(2026, 11, 21)) in line
    assert WORDS.weekday_name(5) in line and "据2022年的公开文章" in line


@pytest.mark.parametrize(
    ("today", "rung", "possible"),
    [
        (D(2026, 11, 20), "platform_request", []),
        (D(2026, 11, 21), "platform_intervention", ["intervention_available"]),
        (D(2026, 11, 26), "platform_intervention", ["intervention_available"]),
        (
            D(2026, 11, 27),
            "platform_intervention",
            ["intervention_available", "rights_center_available"],
        ),
    ],
)
def test_refund_example_rung_moves_with_today(today: dt.date, rung: str, possible: list) -> None:
    g = guide("refund_refused", None, "refunding", D(2026, 11, 18), today=today)
    assert g.current_rung.id == rung
    assert [d.limit_id for d in g.now_possible] == possible


def test_refund_passed_flag_is_strictly_before_today() -> None:
    on_day = item(
        guide("refund_refused", key=D(2026, 11, 18), today=D(2026, 11, 27)),
        "rights_center_available",
    )
    after = item(
        guide("refund_refused", key=D(2026, 11, 18), today=D(2026, 11, 28)),
        "rights_center_available",
    )
    assert on_day.reached and not on_day.passed
    assert after.reached and after.passed


def test_status_only_moves_the_rung() -> None:
    assert guide("quality_problem").current_rung.id == "seller_contact"
    assert guide("quality_problem", status="refunding").current_rung.id == "platform_request"


def test_key_event_follows_order_status() -> None:
    g = guide("not_shipped", status="closed", key=D(2026, 11, 10))
    assert g.key_event == "trade_closed"
    assert item(g, "late_shipping_complaint").due == D(2026, 11, 25)
    assert item(g, "late_shipping").due is None
    g = guide("not_shipped", status="not_shipped", key=D(2026, 11, 18), today=D(2026, 11, 22))
    assert item(g, "late_shipping").due == D(2026, 11, 21)  # 72 h, date only
    assert g.current_rung.id == "platform_request"  # late shipping reached: request a refund


# ---- holidays and the end of the calendar ------------------------------------------


def test_guidance_across_national_day() -> None:
    g = guide("accused_of_harassment", key=D(2026, 9, 30), today=D(2026, 9, 30))
    assert item(g, "harassment_evidence").due == D(2026, 10, 3)  # 3 calendar days
    assert item(g, "harassment_handling").due == D(2026, 10, 10)  # 3 working days: Oct 8, 9, Sat 10
    assert item(g, "harassment_finish").due == D(2026, 10, 13)  # 5 working days
    assert g.covered and g.uncovered_years == ()
    line = WORDS.format_deadline(item(g, "harassment_handling"), D(2026, 9, 30))
    assert WORDS.format_date_weekday(D(2026, 10, 10)) in line
    assert WORDS.fallback_note([2026]) not in line


def test_guidance_in_2027_falls_back_to_weekends() -> None:
    g = guide("accused_of_harassment", key=D(2027, 3, 5), today=D(2027, 3, 5))
    handling = item(g, "harassment_handling")
    assert handling.due == D(2027, 3, 10) and not handling.covered
    assert item(g, "harassment_evidence").covered  # calendar days need no holiday data
    assert not g.covered and g.uncovered_years == (2027,)
    line = WORDS.format_deadline(handling, D(2027, 3, 5))
    assert WORDS.fallback_note([2027]) in line and "2027" in line


def test_guidance_across_the_year_boundary() -> None:
    g = guide("counterfeit", status="refunding", key=D(2026, 12, 30), today=D(2026, 12, 30))
    assert item(g, "rights_center_available").due == D(2027, 1, 8)
    g = guide("accused_of_harassment", key=D(2026, 12, 30), today=D(2026, 12, 30))
    assert item(g, "harassment_handling").due == D(2027, 1, 4)
    assert g.uncovered_years == (2027,)
    line = WORDS.format_deadline(item(g, "harassment_handling"), D(2026, 12, 30))
    assert WORDS.format_date(D(2027, 1, 4), with_year=True) in line  # other year: year shown


# ---- ladder -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASE_TYPES)
def test_still_not_working_moves_up_to_the_end(case: str) -> None:
    book = BOOK
    for role in book.roles_for(case):
        entry = book.entry(case, role)
        index = 0
        seen = [rung_at(entry, 0, BOOK).id]
        while True:
            up = rung_at(entry, index + 1, BOOK)
            if up is None:
                break
            assert up.index == index + 1
            seen.append(up.id)
            index = up.index
        assert seen == entry.rung_ids
        assert rung_at(entry, index, BOOK).is_last
        assert rung_at(entry, index + 1, BOOK) is None
        assert rung_at(entry, len(entry.ladder), BOOK) is None and rung_at(entry, -1, BOOK) is None


def test_refund_ladder_order() -> None:
    entry = BOOK.entry("refund_refused")
    assert entry.rung_ids == [
        "seller_contact",
        "platform_request",
        "platform_intervention",
        "appeal",
        "external_complaint",
        "court",
    ]


def test_rung_evidence_is_generic_plus_case_specific() -> None:
    book = BOOK
    g = guide("not_shipped", status="refunding", key=D(2026, 11, 18), today=D(2026, 11, 19))
    generic = book.rung("platform_request").evidence
    assert g.current_rung.id == "platform_request"
    assert g.current_rung.evidence[: len(generic)] == tuple(generic)
    assert len(g.current_rung.evidence) > len(generic)
    # a threat case lists only what proves the harassment, not the listing page
    threat = guide("seller_harassment").current_rung.evidence
    assert "旺旺聊天截图和旺旺举证号" in threat and not [e for e in threat if "商品页面" in e]
    accused = guide("accused_of_harassment").current_rung.evidence
    assert len(accused) > len(book.rung("explain_and_appeal").evidence)


# ---- safety -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "flags"),
    [
        ("卖家威胁我说要找到我家", ["police_first", "offer_human"]),
        ("因为差评被威胁", ["police_first", "offer_human"]),
        ("卖家给我寄了冥币", ["police_first", "offer_human"]),
        ("收到一件寿衣", ["police_first", "offer_human"]),
        ("他说要杀了我", ["police_first", "offer_human"]),
        ("卖家上门来闹", ["police_first", "offer_human"]),
        ("买家用差评威胁我", []),
        ("秒杀的东西一直不发货", []),
        ("快递不送上门", []),
        ("预约了上门取件", []),
        ("售后师傅11月7号上门检测说压缩机有问题", []),
        ("卖家收钱跑路了", ["fraud_report"]),
        ("好几天没发货", []),
    ],
)
def test_safety_flags_in(message: str, flags: list) -> None:
    assert safety_flags_in(message, BOOK) == flags


def test_safety_entries_carry_their_notes() -> None:
    g = guide("seller_harassment")
    assert [n.id for n in g.safety] == ["police_first"]
    assert g.safety[0].message and g.safety[0].source
    assert [n.id for n in safety_notes(["offer_human", "offer_human"], BOOK)] == ["offer_human"]


# ---- text helpers -------------------------------------------------------------------


def test_text_helpers() -> None:
    locale = catalog().locale
    assert WORDS.format_date(D(2026, 11, 21)) == locale["date"].format(month=11, day=21)
    assert WORDS.format_date(D(2026, 11, 21), with_year=True).startswith("2026")
    assert WORDS.weekday_name(0) == locale["weekdays"][0] and len(locale["weekdays"]) == 7
    for role in ROLES:
        assert WORDS.label("role", role)
    for status in ORDER_STATUSES:
        assert WORDS.label("order_status", status)
    for unit in ("hours", "calendar_days", "working_days"):
        assert WORDS.label("unit", unit)
    with pytest.raises(KeyError):
        WORDS.label("order_status", "teleported")
    assert WORDS.caveat()
    assert WORDS.format_menu_path(["a", "b"]) == "a" + locale["path_separator"] + "b"


def test_deadline_lines_by_kind_and_range() -> None:
    g = guide("counterfeit", key=D(2026, 11, 1), today=TODAY)
    report = item(g, "counterfeit_report")
    undated = WORDS.format_deadline(report)
    assert WORDS.format_amount(report) in undated and "3" in undated and "5" in undated
    assert report.counts_from_label in undated

    g = guide("staff_complaint", "buyer", key=D(2026, 11, 18), today=D(2026, 11, 18))
    ranged = item(g, "xiaomi_complaint")
    assert (ranged.due, ranged.due_max) == (D(2026, 11, 19), D(2026, 11, 21))
    line = WORDS.format_deadline(ranged, D(2026, 11, 18))
    assert (
        WORDS.format_date_weekday(D(2026, 11, 19)) in line
        and WORDS.format_date_weekday(D(2026, 11, 21)) in line
    )

    # a passed deadline uses the "passed" wording, a future one the "dated" wording
    g = guide("malicious_review", key=D(2026, 11, 1), today=TODAY)
    passed = item(g, "review_complaint_window")
    assert passed.passed
    locale = catalog().locale["deadline"]
    assert WORDS.format_deadline(passed, TODAY).startswith(
        locale["passed"]["deadline"].split("{when}")[0].format(outcome=passed.outcome, approx="")
    )


def test_guidance_carries_the_whole_ladder() -> None:
    g = guide("refund_refused", status="refunding", key=D(2026, 11, 18), today=D(2026, 11, 22))
    assert [r.id for r in g.ladder] == BOOK.entry("refund_refused").rung_ids
    assert [r.index for r in g.ladder] == list(range(len(g.ladder)))
    assert g.rung(g.current_rung_index) == g.current_rung
    assert g.next_rung == g.ladder[g.current_rung_index + 1]
    assert g.rung(len(g.ladder)) is None and g.rung(-1) is None
    assert g.ladder[-1].is_last and not g.ladder[0].is_last
    last = guide("lawsuit")  # court comes after the rungs before it
    assert [r.id for r in last.ladder][-2:] == ["external_complaint", "court"]
    assert last.ladder[-1].is_last and last.rung(len(last.ladder) - 1).id == "court"


def test_the_action_process_builds_its_catalog_once() -> None:
    from actions import common

    first = common.catalog()
    assert common.rulebook() is first.rulebook and common.words() is first.wording
    assert common.catalog() is first


def test_console_view_shows_entry_sources_and_both_drafts():
    import datetime as dt

    from bot.case_view import console_view

    slots = {"case_type": "refund_refused", "role": "buyer", "order_status": "refunding",
             "key_date": "2026-11-18", "order_number": "3012345678901234"}
    data = catalog()
    sides = {"book": data.rulebook, "drafts": data.drafts, "lexicon": data.lexicon,
             "words": data.wording}
    view = console_view(slots, dt.date(2026, 11, 22), **sides)
    assert view["entry"] == "refund_refused.buyer"
    assert "src 000" in view["sources"]
    assert any("11月21日" in line for line in view["deadlines"])
    polite, firm = view["drafts"]["polite"], view["drafts"]["firm"]
    assert polite != firm and "3012345678901234" in polite and "3012345678901234" in firm
    assert console_view({}, dt.date(2026, 11, 22), **sides) is None


def test_the_evidence_checklist_marks_what_the_user_has() -> None:
    from bot import presenter

    g = guide("seller_harassment")
    values = presenter.evidence(WORDS, g, 0, ["聊天记录"], catalog().lexicon.evidence)
    lines = values["items"].splitlines()
    assert any(line.startswith("✓") and "旺旺聊天截图" in line for line in lines)
    assert any(line.startswith("•") and "通话记录" in line for line in lines)
    assert not [line for line in lines if "商品页面" in line]


def test_a_date_that_just_came_in_lists_the_limits_it_dates_and_sums_up_the_rest() -> None:
    from bot import presenter

    g = guide("refund_refused", "buyer", key=D(2026, 11, 18))
    dated = [d for d in g.deadlines if d.due is not None]
    undated = [d for d in g.deadlines if d.due is None]
    assert dated and undated  # the entry has both kinds
    response, values = presenter.deadlines(WORDS, g, dated_first=True)
    assert response == "utter_deadlines_dated"
    lines = values["lines"].split("\n")
    assert len(lines) == len(dated) + 1
    assert all(WORDS.format_deadline(d, D(2026, 11, 18)) in values["lines"] for d in dated)
    assert str(len(undated)) in lines[-1] and undated[0].counts_from_label in lines[-1]
    # asked for the limits, or without a date, every limit is listed
    _response, full = presenter.deadlines(WORDS, g)
    assert len(full["lines"].split("\n")) == len(g.deadlines)
    _response, general = presenter.deadlines(WORDS, guide("refund_refused", "buyer"),
                                             dated_first=True)
    assert len(general["lines"].split("\n")) == len(g.deadlines)
