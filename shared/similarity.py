"""Chinese text similarity and term search: jieba tokens, an in-memory TF-IDF index. No I/O here.

Shared because more than one service ranks texts. Intake shows staff the suggestions of the same
congress and session that look like a new one (内容雷同), with scores and shared terms, and stores
`search_terms` on every suggestion so staff can search with `{"search_terms": {"$all": terms}}`.
Assignment matches a case with units' duties and with similar past cases.
"""

from __future__ import annotations

import heapq
import logging
import math
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import jieba

TITLE_WEIGHT = 3
SHARED_TERMS_MAX = 8

# Words found in nearly every suggestion, which therefore say nothing about its topic: the frame of
# the genre (关于……的建议, 存在的问题, 一是/二是), the congress talking about its own area (我市),
# and multi-character function words. Single characters (的, 了, 和, 与, 及, 等, 在, 对, 是, 为)
# need no entry because tokens shorter than two characters are dropped anyway. Policy verbs such as
# 加强, 推进, 完善 stay: staff search for them ("加强监管"), and idf already weighs them down.
STOP_WORDS: frozenset[str] = frozenset(
    {
        # the genre's frame
        "关于",
        "建议",
        "问题",
        "工作",
        "方面",
        "有关",
        "相关",
        "进行",
        "开展",
        "情况",
        "存在",
        "提出",
        "如下",
        "以下",
        "一是",
        "二是",
        "三是",
        "四是",
        "五是",
        "六是",
        "首先",
        "其次",
        "最后",
        "进一步",
        "一步",  # what jieba.lcut_for_search also cuts out of 进一步
        # the congress's own area
        "我市",
        "我省",
        "我县",
        "我区",
        "我镇",
        "我乡",
        "我国",
        "我们",
        # function words
        "以及",
        "其中",
        "目前",
        "同时",
        "通过",
        "对于",
        "由于",
        "因此",
        "但是",
        "而且",
        "并且",
        "或者",
        "如果",
        "可以",
        "能够",
        "应当",
        "需要",
        "一些",
        "这些",
        "一个",
        "没有",
        "已经",
        "不断",
        "等等",
    }
)

_jieba_ready = False
_jieba_lock = threading.Lock()


def _ensure_jieba() -> None:
    """Load jieba's dictionary once per process, without its INFO chatter."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def _clean(tokens: Iterable[str]) -> list[str]:
    """Lowercased tokens without punctuation, whitespace, numbers, single characters and stop words."""
    out: list[str] = []
    for raw in tokens:
        token = raw.strip().lower()
        if len(token) < 2 or token in STOP_WORDS or token.isnumeric():
            continue
        # Punctuation and numbers like "3.5" have no letter (Chinese characters count as letters).
        if not any(ch.isalpha() for ch in token):
            continue
        out.append(token)
    return out


def _normalize(text: str) -> str:
    # NFKC turns full-width Latin letters and digits (ＡＰＰ, ５Ｇ) into ASCII, which jieba keeps whole.
    return unicodedata.normalize("NFKC", text)


def tokenize(text: str) -> list[str]:
    """Meaningful terms of a text in order, from jieba's precise mode."""
    _ensure_jieba()
    return _clean(jieba.lcut(_normalize(text)))


def search_terms(text: str) -> list[str]:
    """Sorted unique terms to store on a suggestion for `$all` term search (jieba's search mode)."""
    _ensure_jieba()
    return sorted(set(_clean(jieba.lcut_for_search(_normalize(text)))))


def query_terms(q: str) -> list[str]:
    """Sorted unique terms a search box string requires; each is among the `search_terms` of a match."""
    # Precise mode on the query: its words are also in the stored search-mode terms (which add the
    # dictionary words inside longer ones), while search mode on the query would demand sub-words.
    _ensure_jieba()
    terms: set[str] = set()
    for part in _normalize(q).split():
        terms.update(_clean(jieba.lcut(part)))
    return sorted(terms)


def term_counts(title: str, body: str) -> dict[str, int]:
    """Term frequencies of a suggestion, title terms counted three times (the title names the topic)."""
    counts: Counter[str] = Counter(tokenize(body))
    for term in tokenize(title):
        counts[term] += TITLE_WEIGHT
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Match:
    """A suggestion similar to the one checked."""

    suggestion_id: str
    score: float
    shared_terms: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


# Fixed point for the document weights 1 + log(tf): 16 fraction bits, kept below 16 (20 bits), and
# query factors of 28 bits: a product stays below 2**48, so a 64-bit slot of a dense column can
# add up _DENSE_CHUNK of them without spilling into the next document's slot.
_W_ONE = 1 << 16
_W_MAX = (1 << 20) - 1
_Q_BITS = 28
_SLOT_BYTES = 8
_DENSE_CHUNK = 1 << 16
# Changes applied to a column's cached integer by shifted adds; beyond this, re-reading the bytes is cheaper.
_PENDING_MAX = 4
# A posting costs about as much in Python as 32 slots of a dense column in C, and fewer columns keep memory low.
_DENSE_MIN_DF = 32
_DENSE_SHARE = 32
# Syncing a rare term's documents is cheaper than widening every check's candidate band for it.
_SYNC_DF = 64
_NORM_SLACK = 0.01
# Scores are compared after rounding to 3 places: anything within this of a cut may still tie it.
_ROUND_MARGIN = 0.001
_LOG2 = math.log(2.0)


def _fixed_weights(counts: dict[str, int]) -> dict[str, int]:
    return {term: min(_W_MAX, round((1.0 + math.log(n)) * _W_ONE)) for term, n in sorted(counts.items()) if n > 0}


class SimilarityIndex:
    """TF-IDF cosine similarity over one congress session's suggestions, in memory.

    Weights: sublinear tf (1 + log tf, kept to 1/65536) times smooth idf (log((1 + N) / (1 + df))
    + 1); the score is the cosine of the two vectors. Only documents that share a term with the
    query are scored, through an inverted index (term → {slot: weight}).

    Speed. Boilerplate terms (群众, 部门, 资金 …) are in most suggestions, so walking their postings
    one by one in Python would cost far more than 100 ms at 5,000 documents. A term found in at
    least 1/32 of the slots (and 32 documents) therefore also gets a dense column: one big integer
    with the term's weight of document i in bits 64i..64i+63. Multiplying a column by the query's
    (integer) factor and adding it up runs in C and sums every document's dot product at once;
    rarer terms add theirs from their postings.

    Norms. idf moves whenever documents come or go. With A = 1 + log(1 + N) and L = log(1 + df),
    idf = A - L and |d|² = A²·S0 - 2A·S1 + S2, where S0 = Σ w², S1 = Σ w²L, S2 = Σ w²L² over the
    document's terms; a change of N only changes A, which a check plugs in. A change of df moves L
    of that term only: the next check (or `refresh`) adds the change to S1 and S2 of the documents
    holding the term if the term is rare (≤ 64 documents) or its idf moved by more than 1 %;
    otherwise the term stays "dirty" and the cached norms are known to within the largest idf
    ratio of the dirty terms. Right after a bulk load everything is recomputed once.

    Ranking. The cached norms and the integer factors only select candidates: every document
    whose score could, within those bounds, reach the limit-th best or `min_score` is scored
    again exactly (its exact norm, float dot product in term order) and ranked by the rounded
    score, then by id. So results are exact and do not depend on the order documents arrived in.

    Query terms no document has count in the query's norm with idf = A (df = 0): new content makes
    the query less similar to everything. Not thread-safe; use one index per task or a lock.
    """

    def __init__(self) -> None:
        self._slot_of: dict[str, int] = {}
        self._ids: list[str | None] = []
        self._free: list[int] = []
        self._weights: dict[str, dict[str, int]] = {}
        self._meta: dict[str, dict[str, Any]] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._level: dict[str, float] = {}
        # L of each term as the S1 and S2 of the documents holding it reflect it.
        self._synced: dict[str, float] = {}
        self._dirty: set[str] = set()
        self._retier: set[str] = set()
        self._s0: list[float] = []
        self._s1: list[float] = []
        self._s2: list[float] = []
        self._inv_norms: list[float] | None = None
        self._columns: dict[str, bytearray] = {}
        self._column_ints: dict[str, int] = {}
        self._pending: dict[str, list[tuple[int, int]]] = {}
        self._capacity = 0
        self._posting_count = 0

    def __len__(self) -> int:
        return len(self._weights)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._weights

    def upsert(self, doc_id: str, counts: dict[str, int], meta: dict[str, Any] | None = None) -> None:
        """Add a document's term counts, replacing any earlier version of it."""
        if doc_id in self._weights:
            self.remove(doc_id)
        weights = _fixed_weights(counts)
        slot = self._take_slot(doc_id)
        s0 = s1 = s2 = 0.0
        for term, fixed in weights.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = {}
                self._synced[term] = _LOG2
            else:
                self._dirty.add(term)
            postings[slot] = fixed
            self._level[term] = math.log(1.0 + len(postings))
            self._retier.add(term)
            if term in self._columns:
                self._set_cell(term, slot, fixed, fixed)
            w = fixed / _W_ONE
            level = self._synced[term]
            s0 += w * w
            s1 += w * w * level
            s2 += w * w * level * level
        self._s0[slot], self._s1[slot], self._s2[slot] = s0, s1, s2
        self._weights[doc_id] = weights
        self._meta[doc_id] = dict(meta or {})
        self._posting_count += len(weights)
        self._inv_norms = None

    def remove(self, doc_id: str) -> None:
        """Drop a document; nothing happens if it is not there."""
        weights = self._weights.pop(doc_id, None)
        if weights is None:
            return
        slot = self._slot_of.pop(doc_id)
        for term, fixed in weights.items():
            postings = self._postings[term]
            del postings[slot]
            if term in self._columns:
                self._set_cell(term, slot, 0, -fixed)
            if postings:
                self._level[term] = math.log(1.0 + len(postings))
                self._dirty.add(term)
                self._retier.add(term)
            else:
                del self._postings[term], self._level[term], self._synced[term]
                self._dirty.discard(term)
                self._retier.discard(term)
                self._drop_column(term)
        self._ids[slot] = None
        self._s0[slot] = self._s1[slot] = self._s2[slot] = 0.0
        heapq.heappush(self._free, slot)
        del self._meta[doc_id]
        self._posting_count -= len(weights)
        self._inv_norms = None

    def refresh(self) -> None:
        """Do pending norm and column upkeep now (e.g. after loading a session) rather than in the next check."""
        if self._dirty:
            self._sync_norms()
        if self._retier:
            self._retier_columns()

    def most_similar(
        self,
        counts: dict[str, int],
        *,
        limit: int = 5,
        exclude: Collection[str] = (),
        min_score: float = 0.15,
    ) -> list[Match]:
        """The documents sharing terms with the given counts that score best, best first, ties by id."""
        if limit <= 0 or not self._weights:
            return []
        self.refresh()
        top_a = 1.0 + math.log(1.0 + len(self._weights))
        factors: dict[str, float] = {}
        q_norm2 = 0.0
        for term, n in sorted(counts.items()):
            if n <= 0:
                continue
            qw = 1.0 + math.log(n)
            level = self._level.get(term)
            idf = top_a if level is None else top_a - level
            q_norm2 += qw * qw * idf * idf
            if level is not None:
                factors[term] = qw * idf * idf
        if not factors:
            return []
        q_norm = math.sqrt(q_norm2)
        q_scale = (1 << _Q_BITS) / max(factors.values())
        dots = self._dots(factors, q_scale)
        inv_norms = self._inverse_norms(top_a)
        low, high = self._drift(top_a)
        # approx(slot) = raw[slot] * unit; the exact score lies within approx / high .. approx / low.
        unit = 1.0 / (q_scale * _W_ONE * q_norm)
        raw = [dot * inv for dot, inv in zip(dots, inv_norms, strict=False)]
        floor = max(0.0, min_score - _ROUND_MARGIN) * low / unit
        excluded = {self._slot_of[d] for d in exclude if d in self._slot_of}
        slots = [slot for slot, value in enumerate(raw) if value > floor and slot not in excluded]
        slots.sort(key=raw.__getitem__, reverse=True)
        if len(slots) > limit:
            kth_low = raw[slots[limit - 1]] * unit / high
            cut = (kth_low - _ROUND_MARGIN) * low / unit
            slots = [slot for slot in slots if raw[slot] >= cut]
        scored = [self._exact(slot, factors, q_norm, top_a) for slot in slots]
        scored = [match for match in scored if match.score >= min_score]
        scored.sort(key=lambda match: (-match.score, match.suggestion_id))
        return scored[:limit]

    def _take_slot(self, doc_id: str) -> int:
        if self._free:
            slot = heapq.heappop(self._free)
            self._ids[slot] = doc_id
        else:
            slot = len(self._ids)
            self._ids.append(doc_id)
            self._s0.append(0.0)
            self._s1.append(0.0)
            self._s2.append(0.0)
            if slot >= self._capacity:
                # Modest growth: every dense pass works on the whole width.
                grown = self._capacity + max(64, self._capacity // 4)
                padding = bytes((grown - self._capacity) * _SLOT_BYTES)
                for column in self._columns.values():
                    column.extend(padding)
                self._capacity = grown
        self._slot_of[doc_id] = slot
        return slot

    def _sync_norms(self) -> None:
        top_a = 1.0 + math.log(1.0 + len(self._weights))
        due: list[str] = []
        volume = 0
        for term in self._dirty:
            level, synced = self._level[term], self._synced[term]
            size = len(self._postings[term])
            if level == synced:
                due.append(term)
            elif (
                size <= _SYNC_DF or top_a - synced <= 0.0 or abs((top_a - level) / (top_a - synced) - 1.0) > _NORM_SLACK
            ):
                due.append(term)
                volume += size
        if 2 * volume >= self._posting_count:
            self._recompute_norms()
            return
        s1, s2 = self._s1, self._s2
        for term in sorted(due):
            level, synced = self._level[term], self._synced[term]
            if level != synced:
                d1, d2 = level - synced, level * level - synced * synced
                for slot, fixed in self._postings[term].items():
                    w2 = (fixed / _W_ONE) ** 2
                    s1[slot] += w2 * d1
                    s2[slot] += w2 * d2
                self._synced[term] = level
            self._dirty.discard(term)
        if due:
            self._inv_norms = None

    def _recompute_norms(self) -> None:
        level = self._level
        for doc_id, weights in self._weights.items():
            slot = self._slot_of[doc_id]
            s1 = s2 = 0.0
            for term, fixed in weights.items():
                w2 = (fixed / _W_ONE) ** 2
                at = level[term]
                s1 += w2 * at
                s2 += w2 * at * at
            self._s1[slot], self._s2[slot] = s1, s2
        self._synced = dict(level)
        self._dirty.clear()
        self._inv_norms = None

    def _retier_columns(self) -> None:
        threshold = max(_DENSE_MIN_DF, len(self._ids) // _DENSE_SHARE)
        for term in sorted(self._retier):
            size = len(self._postings[term])
            if term in self._columns:
                # Hysteresis, so that a term near the threshold is not rebuilt on every change.
                if size < threshold // 2:
                    self._drop_column(term)
            elif size >= threshold:
                column = bytearray(self._capacity * _SLOT_BYTES)
                for slot, fixed in self._postings[term].items():
                    offset = slot * _SLOT_BYTES
                    column[offset : offset + _SLOT_BYTES] = fixed.to_bytes(_SLOT_BYTES, sys.byteorder)
                self._columns[term] = column
        self._retier.clear()

    def _set_cell(self, term: str, slot: int, fixed: int, delta: int) -> None:
        offset = slot * _SLOT_BYTES
        self._columns[term][offset : offset + _SLOT_BYTES] = fixed.to_bytes(_SLOT_BYTES, sys.byteorder)
        if term in self._column_ints:
            pending = self._pending.setdefault(term, [])
            pending.append((slot, delta))
            if len(pending) > _PENDING_MAX:
                del self._column_ints[term], self._pending[term]

    def _drop_column(self, term: str) -> None:
        self._columns.pop(term, None)
        self._column_ints.pop(term, None)
        self._pending.pop(term, None)

    def _column_int(self, term: str) -> int:
        value = self._column_ints.get(term)
        if value is None:
            value = int.from_bytes(self._columns[term], sys.byteorder)
        else:
            for slot, delta in self._pending.pop(term, ()):
                value += delta << (slot * _SLOT_BYTES * 8)
        self._column_ints[term] = value
        return value

    def _dots(self, factors: dict[str, float], q_scale: float) -> list[int]:
        """Every slot's dot product with the query, in units of 1 / (q_scale * _W_ONE)."""
        dense = [(term, round(f * q_scale)) for term, f in factors.items() if term in self._columns]
        sparse = [(term, round(f * q_scale)) for term, f in factors.items() if term not in self._columns]
        dots = [0] * self._capacity
        size = self._capacity * _SLOT_BYTES
        # A slot adds at most _DENSE_CHUNK products below 2**48 each, so it stays below 2**64.
        for start in range(0, len(dense), _DENSE_CHUNK):
            total = 0
            for term, factor in dense[start : start + _DENSE_CHUNK]:
                total += factor * self._column_int(term)
            part = memoryview(total.to_bytes(size, sys.byteorder)).cast("Q").tolist()
            dots = part if start == 0 else [x + y for x, y in zip(dots, part, strict=True)]
        for term, factor in sparse:
            for slot, fixed in self._postings[term].items():
                dots[slot] += factor * fixed
        return dots

    def _inverse_norms(self, top_a: float) -> list[float]:
        if self._inv_norms is None:
            a2, a_twice = top_a * top_a, 2.0 * top_a
            # Free slots hold S0 = S1 = S2 = 0, hence norm 0 and no score.
            self._inv_norms = [
                1.0 / math.sqrt(norm2) if (norm2 := a2 * s0 - a_twice * s1 + s2) > 0.0 else 0.0
                for s0, s1, s2 in zip(self._s0, self._s1, self._s2, strict=True)
            ]
        return self._inv_norms

    def _drift(self, top_a: float) -> tuple[float, float]:
        """Bounds of (exact norm / cached norm) over all documents, from the dirty terms' idf ratios."""
        low = high = 1.0
        for term in self._dirty:
            ratio = (top_a - self._level[term]) / (top_a - self._synced[term])
            low, high = min(low, ratio), max(high, ratio)
        return low, high

    def _exact(self, slot: int, factors: dict[str, float], q_norm: float, top_a: float) -> Match:
        doc_id = self._ids[slot]
        assert doc_id is not None
        weights = self._weights[doc_id]
        dot = 0.0
        contributions: list[tuple[float, str]] = []
        for term, factor in factors.items():
            fixed = weights.get(term)
            if fixed is not None:
                part = factor * fixed / _W_ONE
                dot += part
                contributions.append((part, term))
        norm2 = 0.0
        for term, fixed in weights.items():
            idf = top_a - self._level[term]
            norm2 += (fixed / _W_ONE * idf) ** 2
        score = round(min(1.0, dot / (q_norm * math.sqrt(norm2))), 3)
        heaviest = heapq.nsmallest(SHARED_TERMS_MAX, contributions, key=lambda item: (-item[0], item[1]))
        return Match(doc_id, score, [term for _, term in heaviest], dict(self._meta[doc_id]))
