"""Word segmentation for the search index: jieba for Chinese, lower-cased words for the rest.

Both backends index the same pre-segmented text (tokens joined by spaces) and both tokenise it on
the spaces only, so everything language-specific happens here, once, in Python: a document is
cut with jieba's search mode (a long word and its shorter words: 住房公积金 gives 住房, 公积金 and
住房公积金), a query with its precise mode (公积金提取 gives 公积金 and 提取), so a query word
finds the documents that contain it inside a longer word.

jieba takes about a second to load its dictionary: it is loaded once per process, on first use.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

USER_DICTIONARY = Path(__file__).resolve().parent / "data" / "userdict.txt"

# Letters and digits of any script; underscores and punctuation separate tokens, as they do in
# SQLite's unicode61 tokenizer and PostgreSQL's parser, so the three agree on what a token is.
_WORD = re.compile(r"[^\W_]+")

# Words that say nothing about what is searched for: dropped from queries (a citizen writes
# "我想问一下公积金怎么提取"), kept in the index (they cost little and phrases stay whole).
STOP_WORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 也 都 就 还 又 很 把 被 让 给 对 从 向 到 为 以 之 其 等 个 这 那
    我 我们 你 您 你们 他 她 它 他们 咱 自己 大家
    吗 呢 吧 啊 呀 哦 嗯 么 哈
    请问 请 问 问下 问一下 一下 想 想要 要 能 能否 可以 可不可以 会 应该 需要
    怎么 怎么办 怎样 怎么样 如何 什么 哪里 哪儿 哪个 哪些 多少 几 谁 为什么 是否 有没有 有 没有
    谢谢 你好 您好
    a an and are as at be by for from how i in is it me my of on or the to what when where
    which who why with you your can do does please
    """.split()
)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer with the government-terms dictionary, loaded on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                # jieba logs its dictionary loading at DEBUG through its own stderr handler.
                jieba.setLogLevel(logging.WARNING)
                loaded = jieba.Tokenizer()
                loaded.initialize()
                loaded.load_userdict(str(USER_DICTIONARY))
                _tokenizer = loaded
    return _tokenizer


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII, 〇-style variants fold) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _words(pieces) -> list[str]:
    return [word for piece in pieces for word in _WORD.findall(piece)]


def index_tokens(text: str) -> list[str]:
    """The tokens a document's text is indexed under (jieba search mode)."""
    if not text:
        return []
    return _words(tokenizer().cut_for_search(normalise(text)))


def index_text(text: str) -> str:
    """The pre-segmented text stored for the index: tokens joined by single spaces."""
    return " ".join(index_tokens(text))


def query_words(text: str) -> list[str]:
    """A query's words (jieba precise mode), without stop words and repeats, in order."""
    seen: dict[str, None] = {}
    for word in _words(tokenizer().cut(normalise(text))):
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


def term_tokens(term: str) -> tuple[str, ...]:
    """A synonym or other multi-word term as query tokens (all must match)."""
    return tuple(query_words(term)) or tuple(_words([normalise(term)]))
