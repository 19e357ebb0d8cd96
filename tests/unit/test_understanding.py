# ruff: noqa: E501 - the conversations are easier to read on one line
"""The case state from plain lists of messages: no trained model, no Rasa."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.dates import SHANGHAI
from bot.understanding.dialogue import next_question
from bot.understanding.extract import read_message
from bot.understanding.lexicon import WORD_LISTS, LexiconError, parse_lexicon
from bot.understanding.state import Turn, derive_case_state
from tests.data import catalog

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)  # a Friday


def turn(text: str, intent: str | None = "inform", confidence: float = 0.9, asked: str | None = None,
         asked_event: str | None = None) -> Turn:
    return Turn(text, NOW, intent, ((intent, confidence),) if intent else (), asked, asked_event)


def state(*turns: Turn):
    return derive_case_state(list(turns), catalog().rulebook, catalog().lexicon, catalog().statutes)


def test_an_order_number_before_a_full_width_comma_is_never_an_amount():
    said = read_message("订单号 4817263950018273，89元", NOW, catalog().lexicon)
    assert said.order_number == "4817263950018273" and said.amount == "89"


def test_each_date_is_bound_to_its_own_event():
    s = state(turn("11月3号付的款，11月4号申请了退款，11月9号小二判的", "ruling_unfair"))
    assert s.event_date("paid") == dt.date(2026, 11, 3)
    assert s.event_date("refund_requested") == dt.date(2026, 11, 4)
    assert s.event_date("ruling") == dt.date(2026, 11, 9)
    assert s.event_date("confirmed") is None  # a ruling is never 交易成功


def test_dates_in_one_clause_without_commas_still_bind_apart():
    s = state(turn("我11月3号付款11月12号才收到货", "not_shipped"))
    assert s.event_date("paid") == dt.date(2026, 11, 3)
    assert s.event_date("signed") == dt.date(2026, 11, 12)


def test_relative_dates_and_the_time_of_a_notice():
    s = state(turn("昨天下午3点收到平台通知，说我们店被投诉了", "accused_of_harassment"))
    fact = s.events["notice_received"]
    assert fact.value == dt.date(2026, 11, 19) and fact.time == dt.time(15, 0)
    s = state(turn("上周五申请的退款", "refund_refused"))
    assert s.event_date("refund_requested") == dt.date(2026, 11, 13)


def test_a_correction_replaces_the_date_given_last():
    s = state(turn("卖家拒绝退款", "refund_refused"), turn("11月10号申请的退款"), turn("不对，是12号"))
    assert s.event_date("refund_requested") == dt.date(2026, 11, 12)


def test_a_detail_that_is_a_facet_keeps_the_open_case():
    s = state(turn("卖家拒绝退款", "refund_refused"),
              turn("订单号4817263950018273，一条牛仔裤，收到就开线了", "quality_problem", 0.95))
    assert s.case_type == "refund_refused" and s.opened_turn == 1
    assert s.value("item") == "牛仔裤" and "收到就开线了" in s.values("problems")
    assert s.value("order_number") == "4817263950018273"


def test_a_new_matter_switches_the_case_and_starts_its_facts_anew():
    s = state(turn("付款五天了还不发货，订单号4817263950018273", "not_shipped"),
              turn("另外一单买的台灯，收到灯罩是裂的", "quality_problem", 0.8))
    assert s.case_type == "quality_problem" and s.switched_from == "not_shipped"
    assert s.new_matter and s.value("order_number") is None and s.value("item") == "台灯"


def test_an_unsure_other_case_type_does_not_switch():
    s = state(turn("卖家一直不同意退款", "refund_refused"), turn("小二也不管", "staff_complaint", 0.4))
    assert s.case_type == "refund_refused"


def test_the_shop_role_holds_and_re_ranks_the_intents():
    shop = Turn("买家说我们发的是假货要投诉", NOW, "counterfeit",
                (("counterfeit", 0.5), ("accused_of_harassment", 0.3)))
    s = state(turn("我们店被买家投诉了", "accused_of_harassment"), shop)
    assert s.role == "seller" and s.case_type == "accused_of_harassment"
    s = state(turn("我是店主，千牛后台收到一个违规通知", "listing_violation"), turn("怎么申诉啊", "ask_next_step"))
    assert s.role == "seller" and s.role_said


def test_the_order_status_is_read_from_the_words():
    assert state(turn("付款五天了还不发货", "not_shipped"), turn("早就确认收货了", asked="order_status")).status == "completed"
    assert state(turn("退款还在处理，卖家不理", "refund_refused")).status == "refunding"
    assert state(turn("显示签收了但我没收到", "not_received")).status == "received"


def test_money_demanded_is_kept_apart_from_the_order_amount():
    s = state(turn("一条围巾卖了59元，买家要我转200块才删差评", "malicious_review"))
    assert s.value("amount") == "59" and s.value("demand_amount") == "200"
    assert "extortion_report" in s.safety


def test_evidence_and_wants_in_the_users_words_and_negation():
    s = state(turn("我有开箱视频和聊天记录，没有检测报告，就想退款", "quality_problem"))
    assert s.values("evidence") == ["开箱视频", "聊天记录"] and s.values("wants") == ["退款"]


def test_an_unmapped_answer_is_kept_as_a_note():
    s = state(turn("卖家一直不同意退款", "refund_refused"), turn("这个说来话长", asked="key_date"))
    assert s.notes and s.notes[0].value == "这个说来话长"


def test_only_the_missing_date_is_asked_and_never_twice():
    book, lexicon = catalog().rulebook, catalog().lexicon
    turns = [turn("卖家一直不同意退款", "refund_refused")]
    question = next_question(state(*turns), turns, book, lexicon)
    assert question is not None and question.slot == "key_date" and question.lexicon_event == "refund_requested"
    turns.append(turn("记不清了", asked="key_date"))
    assert next_question(state(*turns), turns, book, lexicon) is None
    given = [turn("卖家拒绝退款，11月16号申请的退款", "refund_refused")]
    assert next_question(state(*given), given, book, lexicon) is None


def test_a_threat_raises_the_police_flag_and_an_ordinary_case_does_not():
    assert "police_first" in state(turn("他说知道我住哪，要上门来找我", "seller_harassment")).safety
    assert state(turn("付款三天了还不发货", "not_shipped")).safety == ()


def test_huge_and_empty_messages_are_read_safely():
    assert read_message("", NOW, catalog().lexicon).empty
    said = read_message("退款1" + " " * 20000 + "天", NOW, catalog().lexicon)
    assert said.amount is None


def test_a_bad_lexicon_names_the_file_and_the_entry(tmp_path: Path):
    with pytest.raises(LexiconError, match=r"lexicon.yml: events.paid.cues: must be a non-empty list"):
        data = {"roles": {"buyer": ["a"], "seller": ["b"]}, "events": {"paid": {"label": "付款", "cues": []}},
                "order_statuses": {"completed": ["x"]}, "evidence": [["y"]], "wants": [["z"]],
                "number_cues": {"product_id": ["id"], "tracking_number": ["运单号"], "order_number": ["订单号"]},
                "implied_statuses": {}, "buy_verbs": ["买了"],
                **{name: ["w"] for name in WORD_LISTS if name != "buy_verbs"}}
        parse_lexicon(data, tmp_path / "lexicon.yml")
    with pytest.raises(LexiconError, match="implied_statuses.paid: unknown order status 'lost'"):
        data["events"] = {"paid": {"label": "付款", "cues": ["付款"]}}
        data["implied_statuses"] = {"paid": "lost"}
        parse_lexicon(data, tmp_path / "lexicon.yml")
    data["implied_statuses"] = {}
    with pytest.raises(LexiconError, match="order_statuses.lost: unknown order status"):
        data["events"] = {"paid": {"label": "付款", "cues": ["付款"]}}
        data["order_statuses"] = {"lost": ["x"]}
        parse_lexicon(data, tmp_path / "lexicon.yml")


def _kind(message: str) -> str | None:
    from bot.understanding.questions import question_kind

    found = question_kind(message, catalog().questions)
    return None if found is None else found.id


def test_rule_questions_are_recognized_and_statements_are_not():
    assert _kind("现在能直接申请小二介入吗？") == "can_now"
    assert _kind("成立的话店铺扣几分？") == "penalty"
    assert _kind("我不理他会有什么后果？") == "consequence"
    assert _kind("這算詐騙嗎") == "crime"
    assert _kind("卖假货能赔多少") == "compensation"
    assert _kind("我已经申请了客服介入") is None
    assert _kind("他说不理他就天天打电话") is None


def _answer(kind_id: str, turns: list[Turn]):
    from bot.guidance import build_guidance
    from bot.understanding.dialogue import case_facts, entry_for
    from bot.understanding.questions import answer_lines

    book, lexicon = catalog().rulebook, catalog().lexicon
    kind = next(k for k in catalog().questions.kinds if k.id == kind_id)
    s = state(*turns)
    facts = case_facts(s, NOW.date(), book, lexicon)
    result = build_guidance(book, facts) if facts else None
    return answer_lines(catalog().wording, kind, book, entry_for(s, book), result, NOW.date(), s.safety)


def test_can_i_now_says_yes_or_from_which_date_with_the_source():
    early = _answer("can_now", [turn("卖家拒绝退款，11月19号申请的退款", "refund_refused")])
    assert any(line.startswith("现在还不行") and "11月22日" in line and "据2022年的公开文章" in line
               for line in early.lines)
    late = _answer("can_now", [turn("卖家拒绝退款，11月10号申请的退款", "refund_refused")])
    assert any(line.startswith("现在就可以") and "申请客服介入" in line for line in late.lines)


def test_penalties_come_from_the_rule_book_with_their_source_or_not_at_all():
    answer = _answer("penalty", [turn("我们店被买家投诉恶意骚扰", "accused_of_harassment")])
    assert any("扣12分" in line and "据2022年的公开文章" in line for line in answer.lines)
    assert _answer("penalty", [turn("付款三天了还不发货", "not_shipped")]) is None


def test_is_this_a_crime_gets_the_message_of_what_was_told():
    extortion = _answer("crime", [turn("买家要我转200块才删差评", "malicious_review")])
    assert "敲诈勒索" in extortion.lines[0] and "第二百七十四条" in extortion.lines[0]
    assert "公安机关和法院认定" in extortion.lines[1]
    fraud = _answer("crime", [turn("付了钱就把我拉黑了", "not_shipped")])
    assert "诈骗" in fraud.lines[0] and "第二百六十六条" in fraud.lines[0]


def test_an_asked_date_binds_only_to_a_short_answer():
    short = state(turn("卖家拒绝退款", "refund_refused"), turn("11月16号", asked="key_date", asked_event="refund_requested"))
    assert short.event_date("refund_requested") == dt.date(2026, 11, 16)
    said = read_message("设计源文件我都有，文件建立日期是9月15号", NOW, catalog().lexicon, "key_date", "complaint_filed")
    assert all(found.event != "complaint_filed" for found in said.dates)


def test_a_date_inside_a_story_never_dates_the_key_event_by_default():
    told = state(turn("买家用差评要挟我", "malicious_review"), turn("三天前他又在旺旺上说要我全额退款，不然就天天追评"))
    assert told.event_date("confirmed") is None
    bare = state(turn("买家用差评要挟我", "malicious_review"), turn("三天前"))
    assert bare.event_date("confirmed") == dt.date(2026, 11, 17)


def test_a_bad_questions_file_names_the_file_and_the_entry(tmp_path: Path):
    from bot.understanding.questions import load_questions, parse_questions

    with pytest.raises(LexiconError, match=r"questions.yml: kinds.penalty.answer: must be one of"):
        parse_questions({"question_words": ["吗"], "kinds": {"penalty": {"answer": "guess", "cues": ["扣分"]}}},
                        tmp_path / "questions.yml")
    with pytest.raises(LexiconError, match="kinds.crime: a crime question needs flags"):
        parse_questions({"question_words": ["吗"], "kinds": {"crime": {"answer": "crime", "cues": ["诈骗吗"]}}},
                        tmp_path / "questions.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("kinds: [", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"broken.yml: \(file\): malformed YAML"):
        load_questions(broken)


@pytest.mark.parametrize(("message", "shop", "place"), [
    ("店铺叫小美服饰旗舰店，卖家在广州", "小美服饰旗舰店", "广州"),
    ("在阿花数码专营店买的", "阿花数码专营店", None),
    ("店名是「阿花的小铺」", "阿花的小铺", None),
    ("卖家在浙江义乌发货的", None, "浙江义乌"),
    ("我在淘宝上买了个手机，从11月3号开始就一直坏", None, None),
])
def test_the_shop_and_the_sellers_place(message: str, shop: str | None, place: str | None):
    said = read_message(message, NOW, catalog().lexicon)
    assert (said.shop_name, said.seller_location) == (shop, place)


@pytest.mark.parametrize("message", ["买了个东西付款一个多礼拜了还不发货", "付款一个多月了"])
def test_no_item_from_words_that_name_none(message: str):
    assert read_message(message, NOW, catalog().lexicon).item is None


@pytest.mark.parametrize(("message", "item", "amount"), [
    ("买的沙发套，三人位的，158元", "沙发套", "158"),
    ("两支口红一共318，11月8号签收的", "口红", "318"),
    ("269买的，11月3号下单", None, "269"),
    ("天猫买的手机，红米K70，2199", "手机", "2199"),
    ("实付是3560", None, "3560"),
    ("退款申请了3天了", None, None),
    ("乳胶床垫 1.5米的", "乳胶床垫", None),  # a product word names the item
    ("18", None, None),
])
def test_items_and_bare_amounts(message: str, item: str | None, amount: str | None):
    said = read_message(message, NOW, catalog().lexicon)
    assert (said.item, said.amount) == (item, amount)


def test_a_request_that_tells_a_case_opens_it_beside_the_request():
    book, lexicon = catalog().rulebook, catalog().lexicon
    two = Turn("卖家死活不给退，顺便帮我拟个投诉", NOW, "request_draft",
               (("request_draft", 0.55), ("refund_refused", 0.3), ("lawsuit", 0.05)))
    assert derive_case_state([two], book, lexicon, catalog().statutes).case_type == "refund_refused"
    unsure = Turn("帮我拟个投诉", NOW, "request_draft",
                  (("request_draft", 0.9), ("refund_refused", 0.05)))
    assert derive_case_state([unsure], book, lexicon, catalog().statutes).case_type is None


def test_an_emoji_ends_the_other_sides_words() -> None:
    said = read_message("有个买家说不给他50块就给差评😤这算不算敲诈？", NOW, catalog().lexicon)
    assert said.other_side == ("买家说不给他50块就给差评",)


def test_a_problem_told_on_its_own_is_acknowledged() -> None:
    from bot.understanding.dialogue import latest_facts

    book, lexicon = catalog().rulebook, catalog().lexicon
    state = derive_case_state([Turn("我想打12315投诉", NOW, "external_escalation"),
                               Turn("就是商家卖的奶粉是临期的", NOW, "quality_problem")],
                              book, lexicon, catalog().statutes)
    labels = {"problems": "问题", "evidence": "证据", "wants": "诉求", "order_status": "状态"}
    assert state.case_type == "external_escalation"  # the problem is the escalation's subject
    assert ("问题", "就是商家卖的奶粉是临期的") in latest_facts(state, lexicon, labels)


@pytest.mark.parametrize(("text", "event"), [
    ("退货寄回去了，卖家上周五就签收了", "return_signed"),
    ("物流显示卖家11月13号签收", "return_signed"),
    ("卖家说我11月13号就签收了", "signed"),  # the seller only says so: the buyer signed
    ("我上周五签收的", "signed"),
])
def test_who_signed_decides_which_event_the_date_is(text: str, event: str) -> None:
    said = read_message(text, NOW, catalog().lexicon)
    assert [(d.event, d.day) for d in said.dates] == [(event, dt.date(2026, 11, 13))]


def test_a_subject_event_must_be_a_known_event() -> None:
    import yaml

    from bot.understanding.lexicon import DEFAULT_LEXICON

    data = yaml.safe_load(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    data["events"]["signed"]["by_subject"]["event"] = "returned_signed"
    with pytest.raises(LexiconError, match="events.signed.by_subject.event"):
        parse_lexicon(data, DEFAULT_LEXICON)


def test_an_item_named_after_the_case_has_one_is_not_acknowledged_as_the_item():
    from bot.understanding.dialogue import latest_facts

    lexicon, labels = catalog().lexicon, catalog().wording.entry("facts")
    told = state(turn("扫地机器人用了三天就不充电了", "quality_problem"),
                 turn("我还拍了充电座指示灯不亮的照片"))
    assert told.value("item") == "扫地机器人"
    assert all(label != labels["item"] for label, _value in latest_facts(told, lexicon, labels))
    first = state(turn("扫地机器人用了三天就不充电了", "quality_problem"))
    assert (labels["item"], "扫地机器人") in latest_facts(first, lexicon, labels)


@pytest.mark.parametrize(("said", "held"), [
    ("但我没有书面鉴定报告，只有和柜员的对话录音和香水的照片", {"录音", "照片"}),
    ("我没录开箱视频，有聊天记录", {"聊天记录"}),
    ("我手上有开箱视频，还有跟客服的聊天截图", {"开箱视频", "聊天截图"}),
])
def test_evidence_the_user_lacks_is_not_held(said, held):
    import datetime as dt

    from bot.understanding.extract import read_message
    from tests.data import catalog

    at = dt.datetime.fromisoformat("2026-11-20T10:00:00+08:00")
    assert set(read_message(said, at, catalog().lexicon).evidence) == held


@pytest.mark.parametrize(("said", "order", "tracking"), [
    ("订单号3382716450928371625，快递是JT3019284755021", "3382716450928371625", "JT3019284755021"),
    ("运单号YT7720039184465", None, "YT7720039184465"),
    ("顺丰sf1234567890123还没到", None, "SF1234567890123"),
])
def test_a_waybill_number_with_its_letters_is_never_the_order_number(said, order, tracking):
    import datetime as dt

    from bot.understanding.extract import read_message
    from tests.data import catalog

    read = read_message(said, dt.datetime.fromisoformat("2026-11-20T10:00:00+08:00"),
                        catalog().lexicon)
    assert (read.order_number, read.tracking_number) == (order, tracking)


@pytest.mark.parametrize(("text", "amount"), [
    # phone typing: a price set apart by spaces, no 元
    ("13号拍的 一双篮球鞋 899", "899"),
    ("11月10号签收的 1350 订单号 6678123409876543", "1350"),
    ("到手屏幕就坏了 2399 卖家不认", "2399"),
    ("买了个二手switch 1450 收到右手柄漂移", "1450"),  # after an English name
    ("RTX 4070 显卡 2999 到手就花屏", "2999"),  # the model's number, then the price
    # not a price: a number's label, a model's name, a count with its unit
    ("订单尾号 3345 还没发货", None),
    ("RTX 4070 SUPER 到手就花屏", None),
    ("等了 120 天", None),
])
def test_a_price_set_apart_by_spaces(text, amount):
    said = read_message(text, NOW, catalog().lexicon)
    assert said.amount == amount


def test_a_whole_story_read_as_plain_information_still_opens_its_case():
    story = "淘宝买的床垫 3299 11月7号送到 有很重的甲醛味 我11月14号申请退货退款 卖家11月16号拒绝了"
    ranking = (("inform", 0.50), ("refund_refused", 0.31), ("quality_problem", 0.06))
    assert state(Turn(story, NOW, "inform", ranking)).case_type == "refund_refused"
    # a bare piece of information tells no case on its own
    assert state(Turn("床垫是3299买的", NOW, "inform", ranking)).case_type is None
    # and a story with the law asked about opens its case when it tells enough
    told = ("11月3号买了一个床垫 3299元 订单号8876543210123456 11月7号送到 有很重的甲醛味 "
            "卖家11月16号拒绝了说床垫拆封不退 我该准备什么")
    unsure = (("refund_refused", 0.55), ("quality_problem", 0.2))
    assert state(Turn(told, NOW, "refund_refused", unsure)).case_type == "refund_refused"
