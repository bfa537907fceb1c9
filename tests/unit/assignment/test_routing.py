"""Routing proposals (拟办): lead units from duties and past decisions, co-units, reasons, the seed data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from services.assignment.routing import (
    PastDecision,
    Proposal,
    Reason,
    Router,
    RoutingResult,
    UnitKind,
    UnitProfile,
)
from services.assignment.units_seed import seed_units

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "bench" / "data" / "routing_cases.jsonl"
FIELDS = ("财税金融", "科教文卫", "城乡建设", "农林水利", "资源环境", "乡村振兴", "社会保障", "交通运输", "政法")

SCHOOL_SAFETY = (
    "关于加强农村中小学校园安全防范的建议",
    "部分农村学校围墙低矮、校门无人值守，校园监控存在盲区，学生课间追逐打闹、溺水等安全事故时有发生，"
    "安全教育多停留在开会讲一讲。建议配齐学校专职保安和安防设施，每学期开展安全演练，完善校园安全管理制度，"
    "加强学生防溺水和防欺凌教育。",
)
# A school-gate traffic jam: the duties point at the education bureau, staff give it to the police (交警).
SCHOOL_GATE = (
    "关于缓解实验小学门前上学高峰拥堵的建议",
    "实验小学门前道路每天早上七点半左右车辆排成长龙，家长随意停车送孩子，学生从车流中穿过，存在很大安全隐患。"
    "建议在校门附近设置临时停车区，高峰时段安排人员疏导，引导家长错峰送学。",
)
PAST_SCHOOL_GATE = [
    PastDecision(
        case_id="15-1-0031",
        title="关于治理第二中学门口上下学拥堵的建议",
        body="第二中学放学时家长车辆在门口随意停车，道路拥堵半小时以上，学生在车流中穿行十分危险。"
        "建议设置临时停车区和即停即走车位，高峰时段安排疏导，引导家长错峰接送。",
        lead_unit_id="public_security",
        co_unit_ids=("edu",),
        field="交通运输",
    ),
    PastDecision(
        case_id="15-1-0102",
        title="关于解决城南小学门前接送车辆乱停的建议",
        body="城南小学门前早晚接送孩子的车辆乱停乱放，堵塞道路，孩子上学要从车流中穿过。"
        "建议划定接送停车区，上学高峰安排人员疏导交通，对长时间停车的车辆劝离。",
        lead_unit_id="public_security",
        co_unit_ids=("edu",),
        field="交通运输",
    ),
    PastDecision(
        case_id="15-2-0007",
        title="关于缓解幼儿园门口接送拥堵的建议",
        body="幼儿园门口接送时段家长车辆拥堵，停车无序，存在安全隐患。建议设置临时停车区，错峰接送，加强高峰时段疏导。",
        lead_unit_id="public_security",
        co_unit_ids=("edu",),
        field="交通运输",
    ),
]


@pytest.fixture(scope="module")
def units() -> list[UnitProfile]:
    return seed_units()


@pytest.fixture
def router(units: list[UnitProfile]) -> Router:
    return Router(units)


def _ids(result: RoutingResult) -> list[str]:
    return [p.unit_id for p in result.proposals]


def _reasons(proposal: Proposal, kind: str) -> list[Reason]:
    return [r for r in proposal.reasons if r.kind == kind]


def test_school_safety_goes_to_the_education_bureau_with_the_duty_terms_that_match(router: Router) -> None:
    result = router.propose(*SCHOOL_SAFETY, "科教文卫")
    lead = result.proposals[0]
    assert lead.unit_id == "edu"
    assert lead.unit_name == "市教育局"
    assert lead.role == "lead"
    duty = _reasons(lead, "duty")
    assert len(duty) == 1 and duty[0].similarity > 0
    assert {"校园", "学校", "学生"} <= set(duty[0].terms)
    # The education bureau's duties match far better than anyone else's.
    assert lead.score > 2 * result.proposals[1].score
    assert result.duty_weight == 1.0 and result.past_case_weight == 0.0 and result.decisions == 0


def test_decisions_on_similar_cases_lift_their_unit_and_are_cited(router: Router) -> None:
    cold = router.propose(*SCHOOL_GATE, "交通运输")
    assert _ids(cold)[0] == "edu"
    assert "public_security" not in _ids(cold)

    for decision in PAST_SCHOOL_GATE:
        router.record(decision)
    warm = router.propose(*SCHOOL_GATE, "交通运输")

    lead = warm.proposals[0]
    assert lead.unit_id == "public_security"
    assert lead.past_case_score > lead.duty_score
    cited = _reasons(lead, "past_case")
    assert cited, lead.reasons
    recorded = {d.case_id: d.title for d in PAST_SCHOOL_GATE}
    for reason in cited:
        assert reason.case_id in recorded
        assert reason.case_title == recorded[reason.case_id]
        assert 0.1 <= reason.similarity <= 1.0
    assert [r.similarity for r in cited] == sorted((r.similarity for r in cited), reverse=True)
    assert warm.decisions == 3 and warm.past_case_weight > 0.5


def test_the_past_weighs_more_as_staff_record_more(router: Router) -> None:
    weights = []
    for decision in PAST_SCHOOL_GATE:
        router.record(decision)
        weights.append(router.propose(*SCHOOL_GATE, "交通运输").past_case_weight)
    assert weights == sorted(weights) and weights[0] < weights[-1]


def test_co_units_come_from_past_decisions(router: Router) -> None:
    assert "fire_rescue" not in [c.unit_id for c in router.propose(*SCHOOL_SAFETY, "科教文卫").co_units]
    past = [
        PastDecision(
            case_id=f"15-1-00{n}",
            title=title,
            body=body,
            lead_unit_id="edu",
            co_unit_ids=("fire_rescue", "public_security"),
            field="科教文卫",
        )
        for n, (title, body) in enumerate(
            [
                (
                    "关于加强中小学校园安全管理的建议",
                    "学校安保人员不足，校园监控老化，学生安全教育流于形式。建议配齐保安，更新安防设施，开展安全演练。",
                ),
                (
                    "关于提升农村学校安全防范能力的建议",
                    "农村学校校门无人值守，围墙低矮，学生溺水事故时有发生。建议完善校园安全制度，加强防溺水教育。",
                ),
            ],
            start=10,
        )
    ]
    for decision in past:
        router.record(decision)
    result = router.propose(*SCHOOL_SAFETY, "科教文卫")
    assert result.proposals[0].unit_id == "edu"
    co = {c.unit_id: c for c in result.co_units}
    assert {"fire_rescue", "public_security"} <= co.keys()
    assert "edu" not in co
    fire = co["fire_rescue"]
    assert fire.role == "co" and 0.3 <= fire.score <= 1.0
    assert {r.case_id for r in fire.reasons if r.kind == "past_case"} <= {d.case_id for d in past}
    assert any(r.kind == "past_case" for r in fire.reasons)


def test_a_unit_the_suggestion_names_is_proposed_as_co_unit(router: Router) -> None:
    result = router.propose(
        "关于加强中小学校园安全管理的建议",
        SCHOOL_SAFETY[1] + "建议教育部门会同公安交警在上下学时段设置护学岗。",
        "科教文卫",
    )
    assert _ids(result)[0] == "edu"
    co = {c.unit_id: c for c in result.co_units}
    assert "public_security" in co
    named = [r for r in co["public_security"].reasons if r.kind == "named"]
    assert named and named[0].terms == ("公安交警",)
    assert [r.terms for r in result.proposals[0].reasons if r.kind == "named"] == [("教育部门",)]


def test_the_same_inputs_give_the_same_result_whatever_the_order_of_recording(units: list[UnitProfile]) -> None:
    first, second = Router(units), Router(list(reversed(units)))
    for decision in PAST_SCHOOL_GATE:
        first.record(decision)
    for decision in reversed(PAST_SCHOOL_GATE):
        second.record(decision)
    for title, body in (SCHOOL_GATE, SCHOOL_SAFETY):
        a = first.propose(title, body, "交通运输", top=5)
        assert a == second.propose(title, body, "交通运输", top=5)
        assert a == first.propose(title, body, "交通运输", top=5)


_PROPOSE_IN_A_PROCESS = f"""
from services.assignment.routing import PastDecision, Router
from services.assignment.units_seed import seed_units
router = Router(seed_units())
old = PastDecision("p1", {SCHOOL_GATE[0] + "（旧）"!r}, {SCHOOL_GATE[1]!r}, "public_security", ("edu", "transport"))
router.record(old)
print(repr(router.propose({SCHOOL_SAFETY[0]!r}, {SCHOOL_SAFETY[1] + SCHOOL_GATE[1]!r}, "科教文卫", top=6)))
"""


def test_the_result_does_not_depend_on_the_process_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _PROPOSE_IN_A_PROCESS], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "public_security" in outputs.pop()


def test_top_is_respected(router: Router) -> None:
    for top in (1, 2, 3, 5, 8):
        result = router.propose(*SCHOOL_SAFETY, "科教文卫", top=top)
        assert len(result.proposals) == top
        assert [p.score for p in result.proposals] == sorted((p.score for p in result.proposals), reverse=True)
    assert _ids(router.propose(*SCHOOL_SAFETY, top=8))[:3] == _ids(router.propose(*SCHOOL_SAFETY))
    with pytest.raises(ValueError, match="top"):
        router.propose(*SCHOOL_SAFETY, top=0)


def test_scores_are_shares_of_the_evidence(router: Router) -> None:
    for decision in PAST_SCHOOL_GATE:
        router.record(decision)
    result = router.propose(*SCHOOL_GATE, "交通运输", top=40)
    assert sum(p.score for p in result.proposals) == pytest.approx(1.0, abs=0.01)
    for p in result.proposals:
        assert p.duty_score + p.past_case_score + p.field_score == pytest.approx(p.score, abs=0.001)
    assert result.duty_weight + result.past_case_weight + result.field_weight == pytest.approx(1.0, abs=0.001)


def test_a_router_without_units_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        Router([])


def test_duplicate_unit_ids_are_refused(units: list[UnitProfile]) -> None:
    with pytest.raises(ValueError, match="given twice"):
        Router([*units, units[0]])


def test_decisions_naming_unknown_units_are_refused(router: Router) -> None:
    with pytest.raises(ValueError, match="unknown units: nobody"):
        router.record(PastDecision("c1", "关于……的建议", "正文", lead_unit_id="nobody"))
    with pytest.raises(ValueError, match="unknown units: ghost"):
        router.record(PastDecision("c1", "关于……的建议", "正文", lead_unit_id="edu", co_unit_ids=("ghost",)))
    with pytest.raises(ValueError, match="lead unit as a co-unit"):
        router.record(PastDecision("c1", "关于……的建议", "正文", lead_unit_id="edu", co_unit_ids=("edu",)))
    assert router.decisions == 0


def test_a_later_decision_for_the_same_case_replaces_the_earlier(router: Router) -> None:
    wrong = PAST_SCHOOL_GATE[0]
    router.record(PastDecision(wrong.case_id, wrong.title, wrong.body, "transport", (), wrong.field))
    router.record(wrong)  # 改办: reassigned to the police
    assert router.decisions == 1
    result = router.propose(*SCHOOL_GATE, "交通运输", top=5)
    cited = {r.case_id: p.unit_id for p in result.proposals for r in p.reasons if r.kind == "past_case"}
    assert cited == {wrong.case_id: "public_security"}
    # With no text to match, only the field's history speaks: the replaced decision no longer counts.
    assert _ids(router.propose("", "", "交通运输")) == ["public_security"]


def test_a_case_does_not_count_as_its_own_precedent(router: Router) -> None:
    decision = PAST_SCHOOL_GATE[0]
    router.record(decision)
    own = router.propose(decision.title, decision.body, decision.field, case_id=decision.case_id, top=5)
    assert own.decisions == 0 and own.past_case_weight == 0.0
    assert all(r.kind != "past_case" for p in own.proposals for r in p.reasons)
    other = router.propose(decision.title, decision.body, decision.field, top=5)
    assert other.proposals[0].unit_id == "public_security"


def test_text_without_any_known_term_gets_no_proposal(router: Router) -> None:
    assert router.propose("", "").proposals == ()
    assert router.propose("关于的建议", "。。。").lead is None


def test_the_seed_registry_is_a_whole_city(units: list[UnitProfile]) -> None:
    assert 35 <= len(units) <= 45
    ids = [u.id for u in units]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z][a-z_]*", i) for i in ids)
    assert len({u.name for u in units}) == len(units)
    assert {u.kind for u in units} == set(UnitKind)
    for unit in units:
        assert unit.name.startswith(("市", "团市委", "国家", "国网")), unit.name
        assert len(unit.duties) >= 120 and "负责" in unit.duties, unit.id
        assert len(unit.keywords) >= 8 and unit.aliases and unit.coordinator, unit.id
    by_name = {u.name: u for u in units}
    for name in (
        "市教育局",
        "市公安局",
        "市财政局",
        "市医保局",
        "市中级人民法院",
        "市人民检察院",
        "市监察委员会",
        "团市委",
    ):
        assert name in by_name
    assert by_name["国家税务总局市税务局"].kind is UnitKind.VERTICALLY_MANAGED


def test_the_labelled_set_is_large_varied_and_names_real_units(units: list[UnitProfile]) -> None:
    ids = {u.id for u in units}
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 180
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["title"] for r in rows}) == len(rows)
    per_field = Counter(r["field"] for r in rows)
    assert set(per_field) == set(FIELDS) and min(per_field.values()) >= 15
    for r in rows:
        assert r["title"].startswith("关于") and r["title"].endswith("的建议"), r["id"]
        assert 150 <= len(r["body"]) <= 600, r["id"]
        assert r["lead_unit_id"] in ids and set(r["co_unit_ids"]) <= ids - {r["lead_unit_id"]}, r["id"]
    # Every unit leads at least one case.
    assert {r["lead_unit_id"] for r in rows} == ids
