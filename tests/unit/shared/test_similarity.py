"""Similar suggestions (内容雷同) and term search: jieba tokens and the in-memory TF-IDF index."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from shared.similarity import (
    Match,
    SimilarityIndex,
    query_terms,
    search_terms,
    term_counts,
    tokenize,
)

PARKING = (
    "关于加强老旧小区停车设施建设的建议",
    "我市老旧小区建成年代早，停车位严重不足，车辆占用消防通道和绿地的情况普遍。"
    "一是停车设施规划滞后，新建停车场选址难；二是现有停车位利用率不高，错时共享停车推进缓慢；"
    "三是充电桩配套不足。建议住建局会同自然资源和规划局编制老旧小区停车设施专项规划，"
    "利用边角地、闲置地建设立体停车场，推行错时共享停车，同步配建充电桩。",
)
PARKING_REWORDED = (
    "关于加快解决老旧小区停车难的建议",
    "老旧小区停车位缺口大，车辆占用消防通道的情况普遍，居民意见较大。"
    "停车设施规划滞后，停车场选址难，错时共享停车推进缓慢，充电桩配套也跟不上。"
    "建议编制老旧小区停车设施专项规划，盘活边角地建设立体停车场，推广错时共享停车。",
)
OTHERS = {
    "water": (
        "关于保障农村饮水安全的建议",
        "部分山区村组供水工程老化，水源地保护不到位，枯水期水量不足，水质检测覆盖面窄。"
        "建议水利局加快农村供水管网改造，划定水源保护区，配备消毒设备，建立水质定期检测和公示制度。",
    ),
    "after_school": (
        "关于完善中小学课后服务的建议",
        "课后服务内容单一，以作业辅导为主，教师负担加重，家长接送时间与放学时间冲突。"
        "建议教育局引入体育、艺术、科普等社会资源，合理核定教师课后服务补助，实行弹性离校。",
    ),
    "fraud": (
        "关于加大电信网络诈骗防范力度的建议",
        "电信网络诈骗案件多发，老年人和学生受骗比例高，资金追回难。"
        "建议公安机关会同银行、通信运营商建立预警劝阻机制，开展反诈宣传进社区、进校园，及时冻结涉案资金。",
    ),
    "elevator": (
        "关于推进老旧小区加装电梯的建议",
        "老旧小区多为六层以下住宅，老年居民上下楼困难。加装电梯审批环节多，低楼层业主意见不一，资金筹措难。"
        "建议简化加装电梯审批流程，明确财政补贴标准，允许提取住房公积金用于加装电梯。",
    ),
    "rural_roads": (
        "关于加强农村公路养护的建议",
        "农村公路里程长、等级低，养护资金不足，部分路段路面破损、边沟堵塞，安全防护设施缺失。"
        "建议落实县乡村三级路长制，将养护资金纳入财政预算，推行专业化养护。",
    ),
}
UNRELATED = (
    "关于加强森林防火的建议",
    "入冬以来山林干燥，野外用火管控难，护林员年龄偏大，防火通道和瞭望塔不足。"
    "建议林业局增加专职扑火队伍，配备无人机巡护，严格清明期间祭祀用火管理。",
)


def _index(order: list[str] | None = None) -> SimilarityIndex:
    docs = {"parking": PARKING, **OTHERS}
    index = SimilarityIndex()
    for doc_id in order or list(docs):
        title, body = docs[doc_id]
        index.upsert(doc_id, term_counts(title, body), {"title": title})
    return index


# --- tokens ---------------------------------------------------------------------------------


def test_tokenize_keeps_topic_words_and_drops_the_frame_of_a_title() -> None:
    # jieba cuts 停车设施 into 停车 + 设施; 关于, 我市, 的, 建议 are gone, 加强 stays.
    assert tokenize("关于加强我市老旧小区停车设施建设的建议") == ["加强", "老旧", "小区", "停车", "设施", "建设"]


def test_tokenize_drops_punctuation_numbers_enumeration_and_boilerplate() -> None:
    tokens = tokenize(
        "一是停车位严重不足，2023年投诉达356件；二是占道停车问题突出。建议进一步开展停车设施专项规划工作。"
    )
    assert tokens == ["停车位", "严重不足", "投诉", "停车", "突出", "停车", "设施", "专项规划"]


def test_tokenize_folds_full_width_latin_and_lowercases() -> None:
    assert tokenize("ＡＰＰ和５Ｇ基站") == ["app", "5g", "基站"]


def test_search_terms_are_sorted_unique_and_include_the_parts_of_long_words() -> None:
    terms = search_terms("保障农村饮用水安全，饮用水水源要保护")
    assert terms == sorted(set(terms))
    assert {"饮用水", "饮用", "用水", "水源", "农村", "安全"} <= set(terms)
    assert "保障" in terms and "要" not in terms


@pytest.mark.parametrize("q", ["停车设施", "停车 设施", " 停车设施  建设 ", "停车"])
def test_query_terms_are_found_in_the_search_terms_of_a_matching_text(q: str) -> None:
    stored = set(search_terms(PARKING[0] + "\n" + PARKING[1]))
    required = query_terms(q)
    assert required and set(required) <= stored


def test_query_terms_of_an_absent_topic_are_not_all_found() -> None:
    stored = set(search_terms(PARKING[0] + "\n" + PARKING[1]))
    assert not set(query_terms("加装电梯")) <= stored


def test_query_terms_split_compounds_like_the_stored_terms() -> None:
    assert query_terms("停车设施") == query_terms("停车 设施") == ["停车", "设施"]
    assert query_terms("的 关于 建议") == []


def test_term_counts_count_title_terms_three_times() -> None:
    counts = term_counts("关于加强停车设施建设的建议", "停车位不足，停车难，设施老化。")
    assert counts["停车"] == 3  # title only: 停车难 and 停车位 are words of their own
    assert counts["设施"] == 4  # three for the title, one for the body
    assert counts["停车位"] == 1
    assert "建议" not in counts


# --- the index ------------------------------------------------------------------------------


def test_near_duplicate_ranks_first_and_shows_the_topic_terms() -> None:
    matches = _index().most_similar(term_counts(*PARKING_REWORDED))
    assert matches[0].suggestion_id == "parking"
    assert matches[0].score > 0.5
    assert {"停车", "设施"} <= set(matches[0].shared_terms)
    assert len(matches[0].shared_terms) <= 8
    assert matches[0].meta == {"title": PARKING[0]}
    assert all(m.score < matches[0].score for m in matches[1:])


def test_a_suggestion_of_another_field_scores_below_the_threshold() -> None:
    index = _index()
    query = term_counts(*UNRELATED)
    every = index.most_similar(query, limit=10, min_score=0.0)
    assert every and all(m.score < 0.15 for m in every)
    assert index.most_similar(query) == []


def test_exclude_leaves_out_the_suggestion_itself() -> None:
    matches = _index().most_similar(term_counts(*PARKING), exclude={"parking"}, min_score=0.0)
    assert matches and "parking" not in [m.suggestion_id for m in matches]


def test_limit_and_min_score() -> None:
    index = _index()
    query = term_counts(*PARKING_REWORDED)
    assert len(index.most_similar(query, limit=2, min_score=0.0)) == 2
    assert index.most_similar(query, limit=0) == []
    assert all(m.score >= 0.3 for m in index.most_similar(query, limit=10, min_score=0.3))


def test_upsert_replaces_the_earlier_version() -> None:
    index = _index()
    query = term_counts(*PARKING_REWORDED)
    before = index.most_similar(query)[0]
    index.upsert("parking", term_counts(*OTHERS["water"]), {"title": "edited"})
    assert len(index) == 6
    after = {m.suggestion_id: m for m in index.most_similar(query, limit=10, min_score=0.0)}
    assert before.suggestion_id == "parking"
    assert "parking" not in after or after["parking"].score < 0.15
    water_twin = index.most_similar(term_counts(*OTHERS["water"]), limit=2)
    assert [m.suggestion_id for m in water_twin] == ["parking", "water"]
    assert water_twin[0].meta == {"title": "edited"} and water_twin[0].score == water_twin[1].score == 1.0


def test_remove_removes() -> None:
    index = _index()
    index.remove("parking")
    index.remove("no-such-id")
    assert len(index) == 5 and "parking" not in index and "water" in index
    assert "parking" not in [m.suggestion_id for m in index.most_similar(term_counts(*PARKING), min_score=0.0)]


def test_empty_index_and_empty_query() -> None:
    assert SimilarityIndex().most_similar(term_counts(*PARKING)) == []
    assert len(SimilarityIndex()) == 0
    assert _index().most_similar({}) == []


def test_equal_scores_are_ordered_by_id() -> None:
    index = SimilarityIndex()
    counts = term_counts(*PARKING)
    for doc_id in ["b", "c", "a"]:
        index.upsert(doc_id, counts)
    assert [(m.suggestion_id, m.score) for m in index.most_similar(counts)] == [("a", 1.0), ("b", 1.0), ("c", 1.0)]


def test_returned_meta_is_a_copy() -> None:
    index = _index()
    query = term_counts(*PARKING)
    index.most_similar(query)[0].meta["title"] = "changed"
    assert index.most_similar(query)[0].meta == {"title": PARKING[0]}


def test_the_same_results_whatever_the_insertion_order() -> None:
    ids = ["parking", *OTHERS]
    forward, backward = _index(ids), _index(ids[::-1])
    for title, body in [PARKING_REWORDED, UNRELATED, *OTHERS.values()]:
        query = term_counts(title, body)
        assert forward.most_similar(query, limit=10, min_score=0.0) == backward.most_similar(
            query, limit=10, min_score=0.0
        )


# --- against the textbook formula, at a size that uses the dense columns ----------------------


def _reference(docs: dict[str, dict[str, int]], query: dict[str, int], min_score: float) -> list[tuple[str, float]]:
    """TF-IDF cosine written out plainly: sublinear tf, smooth idf."""
    n = len(docs)
    df: dict[str, int] = {}
    for counts in docs.values():
        for term in counts:
            df[term] = df.get(term, 0) + 1

    def vector(counts: dict[str, int]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df.get(t, 0))) + 1) for t, c in counts.items()}

    q = vector(query)
    q_norm = math.sqrt(sum(v * v for v in q.values()))
    out = []
    for doc_id, counts in docs.items():
        d = vector(counts)
        dot = sum(v * d[t] for t, v in q.items() if t in d)
        if dot > 0:
            score = dot / (q_norm * math.sqrt(sum(v * v for v in d.values())))
            if score >= min_score:
                out.append((doc_id, score))
    return sorted(out, key=lambda item: (-item[1], item[0]))


def _random_counts(rng: random.Random, vocabulary: list[str]) -> dict[str, int]:
    # A few boilerplate terms in every document, the rest drawn with a skew, as in real text.
    counts = {f"common{i}": rng.randint(1, 4) for i in range(8)}
    for _ in range(rng.randint(20, 80)):
        term = vocabulary[min(int(rng.paretovariate(0.8)) - 1, len(vocabulary) - 1)]
        counts[term] = counts.get(term, 0) + 1
    return counts


def _assert_matches_reference(index: SimilarityIndex, docs: dict[str, dict[str, int]], query: dict[str, int]) -> None:
    got = index.most_similar(query, limit=7, min_score=0.05)
    want = _reference(docs, query, 0.0)
    assert len(got) == min(7, sum(1 for _, s in want if round(s, 3) >= 0.05))
    scores = dict(want)
    for match in got:
        # The index keeps tf weights to 1/65536 of a unit, hence the tolerance.
        assert match.score == pytest.approx(scores[match.suggestion_id], abs=1e-3)
    best = [s for _, s in want[: len(got)]]
    assert [m.score for m in got] == pytest.approx(best, abs=1e-3)


def test_scores_follow_the_formula_through_upserts_and_removals() -> None:
    rng = random.Random(7)
    vocabulary = [f"t{i}" for i in range(3000)]
    docs = {f"d{i:04d}": _random_counts(rng, vocabulary) for i in range(400)}
    index = SimilarityIndex()
    for doc_id, counts in docs.items():
        index.upsert(doc_id, counts)
    index.refresh()
    assert index._columns, "the test must reach the dense columns"
    for step in range(30):
        query = dict(rng.choice(list(docs.values())))
        query[rng.choice(vocabulary)] = 2
        _assert_matches_reference(index, docs, query)
        # Registration and withdrawal go on between checks; ids and slots get reused.
        if step % 2:
            victim = rng.choice(sorted(docs))
            index.remove(victim)
            del docs[victim]
        else:
            new_id = f"n{step:04d}" if step % 3 else rng.choice(sorted(docs))
            docs[new_id] = _random_counts(rng, vocabulary)
            index.upsert(new_id, docs[new_id])
    assert len(index) == len(docs)


def test_match_is_a_frozen_value() -> None:
    match = Match("a", 0.5, ["停车"], {})
    with pytest.raises(AttributeError):
        match.score = 1.0  # type: ignore[misc]
    meta: dict[str, Any] = {"number": "15-2-0001"}
    assert Match("a", 0.5, [], meta).meta["number"] == "15-2-0001"
