"""Similar suggestions and term search: jieba tokens, an in-memory TF-IDF index. No I/O here.

Intake uses it to show staff the suggestions of the same congress and session that look like a
new one (内容雷同), with scores and the terms they share, and to store `search_terms` on every
suggestion so that staff can search title and body with `{"search_terms": {"$all": terms}}`.
"""

from __future__ import annotations

import heapq
import logging
import math
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


def _sublinear(counts: dict[str, int]) -> dict[str, float]:
    return {term: 1.0 + math.log(n) for term, n in sorted(counts.items()) if n > 0}


class SimilarityIndex:
    """TF-IDF cosine similarity over one congress session's suggestions, in memory.

    Weights: sublinear tf (1 + log tf) times smooth idf (log((1 + N) / (1 + df)) + 1), cosine of
    the two vectors. A check walks the postings of the query's terms only (term → {doc: tf weight}),
    so it touches only documents that share a term with the query.

    Document norms stay exact while idf moves. With A = 1 + log(1 + N) and L = log(1 + df),
    idf = A - L, so |d|² = Σ w²(A - L)² = A²·S0 - 2A·S1 + S2 with S0 = Σ w², S1 = Σ w²L and
    S2 = Σ w²L² over the document's terms (w its tf weight). A change of N only changes A, which
    the check plugs in directly. A change of df only moves L of that term: an upsert or remove marks
    its terms dirty, and the next check (or `refresh`) adds the change of L to S1 and S2 of the
    documents in those terms' postings, which costs about one check's work per changed document.
    When the dirty postings are at least half of all postings (for example right after loading a
    session), S1 and S2 are recomputed from scratch instead, in a fixed term order, so an index
    holds the same numbers whatever order its documents arrived in.

    Query terms that no document has count in the query's norm with idf = A (df = 0): new content
    makes the query less similar to everything. Not thread-safe; use one index per task or a lock.
    """

    def __init__(self) -> None:
        self._weights: dict[str, dict[str, float]] = {}
        self._meta: dict[str, dict[str, Any]] = {}
        self._postings: dict[str, dict[str, float]] = {}
        self._s0: dict[str, float] = {}
        self._s1: dict[str, float] = {}
        self._s2: dict[str, float] = {}
        # L = log(1 + df) of each term as the S1 and S2 of the documents holding it reflect it.
        self._synced_l: dict[str, float] = {}
        self._dirty: set[str] = set()
        self._posting_count = 0

    def __len__(self) -> int:
        return len(self._weights)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._weights

    def upsert(self, doc_id: str, counts: dict[str, int], meta: dict[str, Any] | None = None) -> None:
        """Add a document's term counts, replacing any earlier version of it."""
        if doc_id in self._weights:
            self.remove(doc_id)
        weights = _sublinear(counts)
        s0 = s1 = s2 = 0.0
        for term, w in weights.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = {}
                self._synced_l[term] = math.log(2.0)
            else:
                self._dirty.add(term)
            postings[doc_id] = w
            level = self._synced_l[term]
            w2 = w * w
            s0 += w2
            s1 += w2 * level
            s2 += w2 * level * level
        self._weights[doc_id] = weights
        self._meta[doc_id] = dict(meta or {})
        self._s0[doc_id], self._s1[doc_id], self._s2[doc_id] = s0, s1, s2
        self._posting_count += len(weights)

    def remove(self, doc_id: str) -> None:
        """Drop a document; nothing happens if it is not there."""
        weights = self._weights.pop(doc_id, None)
        if weights is None:
            return
        for term in weights:
            postings = self._postings[term]
            del postings[doc_id]
            if postings:
                self._dirty.add(term)
            else:
                del self._postings[term], self._synced_l[term]
                self._dirty.discard(term)
        del self._meta[doc_id], self._s0[doc_id], self._s1[doc_id], self._s2[doc_id]
        self._posting_count -= len(weights)

    def refresh(self) -> None:
        """Bring the norms up to date now (after loading a session) so the next check does not pay for it."""
        if not self._dirty:
            return
        dirty_postings = sum(len(self._postings[term]) for term in self._dirty)
        if 2 * dirty_postings >= self._posting_count:
            self._recompute()
            return
        postings_of, synced = self._postings, self._synced_l
        s1, s2 = self._s1, self._s2
        for term in sorted(self._dirty):
            postings = postings_of[term]
            old = synced[term]
            new = math.log(1.0 + len(postings))
            if new == old:
                continue
            d1, d2 = new - old, new * new - old * old
            for doc_id, w in postings.items():
                w2 = w * w
                s1[doc_id] += w2 * d1
                s2[doc_id] += w2 * d2
            synced[term] = new
        self._dirty.clear()

    def _recompute(self) -> None:
        levels = {term: math.log(1.0 + len(postings)) for term, postings in self._postings.items()}
        for doc_id, weights in self._weights.items():
            s1 = s2 = 0.0
            for term, w in weights.items():
                level = levels[term]
                w2 = w * w
                s1 += w2 * level
                s2 += w2 * level * level
            self._s1[doc_id], self._s2[doc_id] = s1, s2
        self._synced_l = levels
        self._dirty.clear()

    def most_similar(
        self,
        counts: dict[str, int],
        *,
        limit: int = 5,
        exclude: Collection[str] = (),
        min_score: float = 0.15,
    ) -> list[Match]:
        """The documents most similar to the given term counts, best first, ties by id."""
        if limit <= 0 or not self._weights:
            return []
        self.refresh()
        query = _sublinear(counts)
        top_a = 1.0 + math.log(1.0 + len(self._weights))
        q_norm2 = 0.0
        acc: dict[str, float] = {}
        get = acc.get
        for term, qw in query.items():
            postings = self._postings.get(term)
            if postings is None:
                q_norm2 += qw * qw * top_a * top_a
                continue
            idf = top_a - self._synced_l[term]
            q_norm2 += qw * qw * idf * idf
            factor = qw * idf * idf
            for doc_id, w in postings.items():
                acc[doc_id] = get(doc_id, 0.0) + w * factor
        if q_norm2 <= 0.0:
            return []
        q_norm = math.sqrt(q_norm2)
        excluded = set(exclude)
        a2 = top_a * top_a
        s0, s1, s2 = self._s0, self._s1, self._s2
        scored: list[tuple[float, str]] = []
        for doc_id, dot in acc.items():
            if doc_id in excluded:
                continue
            d_norm2 = a2 * s0[doc_id] - 2.0 * top_a * s1[doc_id] + s2[doc_id]
            if d_norm2 <= 0.0:
                continue
            # Rounded before ranking so that the order agrees with the scores shown, and ties
            # between equal documents fall to the id rather than to float noise.
            score = round(min(1.0, dot / (q_norm * math.sqrt(d_norm2))), 3)
            if score >= min_score:
                scored.append((score, doc_id))
        best = heapq.nsmallest(limit, scored, key=lambda item: (-item[0], item[1]))
        return [
            Match(
                suggestion_id=doc_id,
                score=score,
                shared_terms=self._shared_terms(query, doc_id, top_a),
                meta=dict(self._meta[doc_id]),
            )
            for score, doc_id in best
        ]

    def _shared_terms(self, query: dict[str, float], doc_id: str, top_a: float) -> list[str]:
        weights = self._weights[doc_id]
        contributions: list[tuple[float, str]] = []
        for term, qw in query.items():
            w = weights.get(term)
            if w is not None:
                idf = top_a - self._synced_l[term]
                contributions.append((qw * w * idf * idf, term))
        heaviest = heapq.nsmallest(SHARED_TERMS_MAX, contributions, key=lambda item: (-item[0], item[1]))
        return [term for _, term in heaviest]
