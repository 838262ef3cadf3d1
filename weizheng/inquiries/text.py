"""Pure helpers of 问政: the words of a request (jieba, shared with search), text similarity,
distance on the earth, and the department classifier (multinomial naive Bayes, no library).

Nothing here touches the database: actions and tasks load rows and pass text in."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000
# Words that say nothing about which department a request is for.
FILLER = frozenset(
    """
    的 了 是 在 我 我们 你 你们 他 她 它 这 那 有 和 与 就 都 也 还 很 吗 呢 吧 啊 请 请问 希望 能否
    能不能 可以 一下 一个 什么 怎么 为什么 已经 没有 不 被 把 让 给 对 问题 反映 情况 相关 部门
    """.split()
)


def words(text: str) -> list[str]:
    """The request's words (jieba precise mode, normalised), without filler and one-letter
    words; repeats kept (the classifier counts them)."""
    from weizheng.search.segment import _words, normalise, tokenizer

    return [
        word
        for word in _words(tokenizer().cut(normalise(text or "")))
        if len(word) > 1 and word not in FILLER
    ]


def shingles(text: str) -> set[str]:
    """The set a duplicate is compared on: its words and its two-character shingles (so 路灯不亮
    and 路灯坏了不亮 overlap even where jieba cuts them differently)."""
    from weizheng.search.segment import normalise

    compact = "".join(ch for ch in normalise(text or "") if ch.isalnum())
    return set(words(text)) | {compact[i : i + 2] for i in range(len(compact) - 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- the classifier --------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float


def train(examples: Iterable[tuple[str, str]], *, alpha: float = 1.0) -> dict:
    """Multinomial naive Bayes from (text, label) pairs; the parameters as a JSON-able dict:
    per label the log prior and the log likelihood of each word seen, plus the log likelihood
    of an unseen word."""
    documents: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    vocabulary: set[str] = set()
    for text, label in examples:
        tokens = words(text)
        documents[label] += 1
        counts.setdefault(label, Counter()).update(tokens)
        vocabulary.update(tokens)
    total = sum(documents.values())
    size = len(vocabulary) or 1
    labels = {}
    for label, seen in counts.items():
        denominator = sum(seen.values()) + alpha * size
        labels[label] = {
            "prior": math.log(documents[label] / total),
            "unseen": math.log(alpha / denominator),
            "words": {w: math.log((n + alpha) / denominator) for w, n in seen.items()},
        }
    return {"kind": "multinomial-nb", "alpha": alpha, "vocabulary": size, "labels": labels}


def predict(model: dict, text: str) -> Suggestion | None:
    """The most probable label and its posterior probability (None for an empty model or a
    text without a known word)."""
    labels = model.get("labels") or {}
    tokens = words(text)
    if not labels or not tokens:
        return None
    if not any(any(t in params["words"] for t in tokens) for params in labels.values()):
        return None
    scores = {
        label: params["prior"] + sum(params["words"].get(t, params["unseen"]) for t in tokens)
        for label, params in labels.items()
    }
    best = max(scores, key=lambda label: scores[label])
    top = scores[best]
    total = sum(math.exp(score - top) for score in scores.values())
    return Suggestion(label=best, confidence=1 / total)
