"""Text for the full-text index, in both languages, the same on SQLite and PostgreSQL.

Chinese has no spaces between words, and neither SQLite's ``unicode61`` tokenizer nor
PostgreSQL's parser segments it: a whole run of Han characters would be one token, so the word
"硬盘" would never match the text "更换硬盘". We index **overlapping character bigrams** instead
(docs/adr/0015-kb-search.md): "更换硬盘" is stored as "更换 换硬 硬盘", every two-character word
of the text is a token, and a query is cut the same way. A run of one character is kept as it
is. Latin text is lower-cased words of letters and digits (the database stems them: FTS5's
``porter``, PostgreSQL's ``english`` configuration).

Both backends get the very same token string, so they find the same articles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Han ideographs (CJK Unified, Extension A, Compatibility) are cut into bigrams; kana and
# hangul too (no spaces either). Everything else that is a letter or digit makes words.
_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
)
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)", re.UNICODE)

# Dropped from queries only (PostgreSQL's ``english`` configuration drops them itself; FTS5
# does not, and an OR over "the" would match every English article).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
MAX_QUERY_TERMS = 16


def _words(text: str) -> list[tuple[str, bool]]:
    """(token, is_cjk_run) in order; Latin lower-cased, full-width forms folded (NFKC)."""
    text = unicodedata.normalize("NFKC", text or "")
    out: list[tuple[str, bool]] = []
    for match in _TOKEN.finditer(text):
        cjk, word = match.groups()
        if cjk:
            out.append((cjk, True))
        else:
            out.append((word.lower(), False))
    return out


def bigrams(run: str) -> list[str]:
    """ "更换硬盘" -> ["更换", "换硬", "硬盘"]; a single character stays itself."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def prepare(text: str) -> str:
    """The indexed form of a text: words and Chinese bigrams separated by spaces."""
    tokens: list[str] = []
    for token, cjk in _words(text):
        tokens.extend(bigrams(token) if cjk else [token])
    return " ".join(tokens)


@dataclass(frozen=True)
class Term:
    """One query term: a word, a bigram, or a single character (matched as a prefix)."""

    text: str
    prefix: bool = False


def query_terms(query: str) -> list[Term]:
    """The terms of a query, without stopwords and duplicates, at most ``MAX_QUERY_TERMS``.

    A single Han character matches as a prefix ("盘" finds "盘柜"): bigrams contain no
    single characters, so this is the closest the bigram index can do (documented)."""
    terms: list[Term] = []
    seen: set[str] = set()
    for token, cjk in _words(query):
        if cjk:
            items = [Term(t, prefix=len(t) == 1) for t in bigrams(token)]
        elif token in STOPWORDS:
            continue
        else:
            items = [Term(token)]
        for item in items:
            if item.text not in seen:
                seen.add(item.text)
                terms.append(item)
    return terms[:MAX_QUERY_TERMS]


def fts5_query(terms: list[Term], *, every: bool) -> str:
    """An FTS5 MATCH expression: each term a quoted string (no operator can be injected)."""
    parts = [f'"{t.text}"' + ("*" if t.prefix else "") for t in terms]
    return (" AND " if every else " OR ").join(parts)


def tsquery(terms: list[Term], *, every: bool) -> str:
    """A ``to_tsquery`` expression: terms are letters, digits or CJK only (``_TOKEN``), so
    nothing in them is tsquery syntax."""
    parts = [t.text + (":*" if t.prefix else "") for t in terms]
    return (" & " if every else " | ").join(parts)
