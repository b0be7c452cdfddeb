"""Citation keys: one unique, stable ASCII key per paper, pinned once it has been used.

A key that came with an imported entry is kept when it is usable; others derive from the
paper itself, by default in the spirit of Better BibTeX's `auth.lower + year +
veryshorttitle.lower`, or by the formula the config file sets (`[citekeys] formula`, a
subset of Better BibTeX's syntax: `parse_formula`). Papers wanting the same key get
a, b, c… suffixes.

Pinning: a key once exported or copied (`exporters.export_entries`) is stored with the
paper (`Library.pin_keys`) and never changes again, whatever is imported later or
however the formula changes: a new paper whose key collides gets the suffix, not the
old one (Better BibTeX #76: "Chen2014 silently became Chen2014a"). `papersift key ID
--set KEY` pins one by hand. `library_keys` gives every paper of a library its key;
`citation_keys` does the same for a set of entries with no library (nothing pinned).
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from papersift.latex import latex_to_text, transliterate
from papersift.models import Entry, Paper, PapersiftError
from papersift.paths import config_file

if TYPE_CHECKING:
    from papersift.store import Library

__all__ = [
    "KeyFormula",
    "check_key",
    "citation_keys",
    "library_keys",
    "load_formula",
    "parse_formula",
    "resolve_keys",
]

_KEY_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:.+\-/]*")
# Words Better BibTeX's shorttitle skips, roughly: they say nothing about the paper.
_STOP_WORDS = frozenset(
    ("a", "an", "the", "of", "on", "in", "for", "to", "and", "or", "with", "without", "via",
     "from", "by", "is", "are", "be", "at", "as", "its", "it", "into", "onto", "towards",
     "toward", "do", "does", "can", "we", "our", "your", "you", "how", "what", "when", "why",
     "which", "not", "no", "vs", "versus", "using", "based")
)  # fmt: skip
_MAX_KEY = 48


def _ascii_word(word: str) -> str:
    return "".join(c for c in transliterate(word) if c.isascii() and c.isalnum())


def _surname(name: str) -> str:
    name = latex_to_text(name)
    if "," in name:
        last = name.split(",", 1)[0]
    else:
        parts = name.split()
        last = parts[-1] if parts else ""
    return _ascii_word(last).lower()


_WORD = re.compile(r"[^\W_]+")


def _title_words(title: str) -> list[str]:
    words = [_ascii_word(w) for w in _WORD.findall(title)]
    words = [w for w in words if w]
    significant = [w for w in words if w.lower() not in _STOP_WORDS]
    return significant or words


def _base_key(paper: Paper) -> str:
    """Better BibTeX's `auth.lower + year + title word` spirit, from the paper alone."""
    words = _title_words(paper.title)
    year = str(paper.year) if paper.year is not None else ""
    author = _surname(paper.authors[0]) if paper.authors else ""
    if author:
        key = author + year + (words[0].lower() if words else "")
    else:
        head = [w.lower() if i == 0 else w[:1].upper() + w[1:].lower() for i, w in
                enumerate(words[:3])]  # fmt: skip
        key = "".join(head) + year
    key = key[:_MAX_KEY]
    if not re.search(r"[A-Za-z]", key):
        # No letters (a title of digits or symbols); biber rejects the key "0" outright.
        key = "paper" + paper.id[:8]
    return key


def _suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ...: never runs out."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for length in itertools.count(1):
        for combo in itertools.product(letters, repeat=length):
            yield "".join(combo)


# ---------------------------------------------------------------------- key formulas


@dataclass(frozen=True)
class _Term:
    """One part of a formula: a function (or a quoted string) and its filters."""

    name: str  # a function's name; "" for a string
    args: tuple[int, ...] = ()
    text: str = ""
    filters: tuple[tuple[str, tuple[int | str, ...]], ...] = ()


@dataclass(frozen=True)
class KeyFormula:
    """A parsed key formula: alternatives (`|`), each a sum (`+`) of terms."""

    source: str
    alternatives: tuple[tuple[_Term, ...], ...]

    def key(self, paper: Paper) -> str:
        """The paper's key: the first alternative that gives a key with a letter, else
        `paper` + the start of its id."""
        for terms in self.alternatives:
            key = _ascii_key("".join(_evaluate(t, paper) for t in terms))
            if re.search(r"[A-Za-z]", key):
                return key
        return "paper" + paper.id[:8]


_FUNCTIONS: dict[str, tuple[int, ...]] = {
    # name: default arguments (how many it takes, and their values)
    "auth": (0, 1),
    "authors": (0,),
    "authEtAl": (),
    "year": (),
    "shortyear": (),
    "title": (),
    "shorttitle": (3, 0),
    "veryshorttitle": (1, 0),
}
_FILTERS: dict[str, int] = {
    "lower": 0,
    "upper": 0,
    "nopunct": 0,
    "substring": 2,
    "prefix": 1,
    "postfix": 1,
}

_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"[^"]*"|'[^']*')|(?P<name>[A-Za-z]+)|(?P<number>\d+)|(?P<op>[+|.(),]))"""
)


def _surnames(paper: Paper) -> list[str]:
    names = [_surname(a) for a in paper.authors]
    return [n[:1].upper() + n[1:] for n in names if n]


def _evaluate(term: _Term, paper: Paper) -> str:
    name = term.name
    if not name:
        value = term.text
    elif name == "auth":
        n, m = term.args
        names = _surnames(paper)
        value = names[m - 1] if 0 < m <= len(names) else ""
        value = value[:n] if n else value
    elif name == "authors":
        (n,) = term.args
        names = _surnames(paper)
        value = "".join(names[:n] if n else names)
        if n and len(names) > n:
            value += "EtAl"
    elif name == "authEtAl":
        names = _surnames(paper)
        value = "".join(names) if len(names) <= 2 else names[0] + "EtAl"
    elif name in ("year", "shortyear"):
        value = "" if paper.year is None else str(paper.year)
        value = value[-2:] if name == "shortyear" else value
    else:
        words = _title_words(paper.title)
        if name == "title":
            n, m = len(words), len(words)
        else:
            n, m = term.args
        chosen = words[:n]
        value = "".join(w[:1].upper() + w[1:] if i < m else w for i, w in enumerate(chosen))
    for filter_name, args in term.filters:
        if filter_name == "lower":
            value = value.lower()
        elif filter_name == "upper":
            value = value.upper()
        elif filter_name == "nopunct":
            value = re.sub(r"[^\w]", "", value)
        elif filter_name == "substring":
            start, length = (int(a) for a in args)
            value = value[max(start, 1) - 1 :][: length or None]
        elif value and filter_name == "prefix":
            value = str(args[0]) + value
        elif value and filter_name == "postfix":
            value = value + str(args[0])
    return value


def _ascii_key(text: str) -> str:
    key = "".join(c for c in transliterate(text) if c.isascii())
    return re.sub(r"[^A-Za-z0-9_:.+\-/]", "", key)[:_MAX_KEY]


def parse_formula(text: str) -> KeyFormula:
    """Parse a key formula (see the README's "Citation keys"); `ValueError` says what
    is wrong and where."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if not text[pos:].strip():
                break
            raise ValueError(f"unexpected {text[pos:].strip()[:10]!r} at character {pos + 1}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    i = 0

    def peek(value: str) -> bool:
        return i < len(tokens) and tokens[i][0] == "op" and tokens[i][1] == value

    def args(want: int, what: str, strings: bool) -> tuple[int | str, ...]:
        nonlocal i
        out: list[int | str] = []
        if not peek("("):
            return ()
        i += 1
        while i < len(tokens) and not peek(")"):
            kind, value, at = tokens[i]
            if kind == "number":
                out.append(int(value))
            elif kind == "string" and strings:
                out.append(value[1:-1])
            else:
                raise ValueError(f"{what}: expected a number at character {at + 1}")
            i += 1
            if peek(","):
                i += 1
        if not peek(")"):
            raise ValueError(f"{what}: missing ')'")
        i += 1
        if len(out) > want:
            raise ValueError(f"{what} takes at most {want} argument(s)")
        return tuple(out)

    def term() -> _Term:
        nonlocal i
        if i >= len(tokens):
            raise ValueError("the formula ends where a part was expected")
        kind, value, at = tokens[i]
        i += 1
        if kind == "string":
            base = _Term("", text=value[1:-1])
        elif kind == "name" and value in _FUNCTIONS:
            defaults = _FUNCTIONS[value]
            given = args(len(defaults), value, strings=False)
            full = tuple(int(a) for a in given) + defaults[len(given) :]
            base = _Term(value, args=full)
        else:
            known = ", ".join(_FUNCTIONS)
            raise ValueError(f"unknown part {value!r} at character {at + 1} (known: {known})")
        filters: list[tuple[str, tuple[int | str, ...]]] = []
        while peek("."):
            i += 1
            if i >= len(tokens) or tokens[i][0] != "name" or tokens[i][1] not in _FILTERS:
                known = ", ".join(_FILTERS)
                raise ValueError(f"unknown filter after '.' (known: {known})")
            fname = tokens[i][1]
            i += 1
            fargs = args(_FILTERS[fname], fname, strings=True)
            if fname == "substring":
                fargs = (*fargs, 1, 0)[:2] if fargs else (1, 0)
            elif fname in ("prefix", "postfix") and len(fargs) != 1:
                raise ValueError(f"{fname} takes one quoted string")
            filters.append((fname, fargs))
        return _Term(base.name, base.args, base.text, tuple(filters))

    alternatives: list[tuple[_Term, ...]] = []
    current = [term()]
    while i < len(tokens):
        if peek("+"):
            i += 1
            current.append(term())
        elif peek("|"):
            i += 1
            alternatives.append(tuple(current))
            current = [term()]
        else:
            raise ValueError(f"expected '+' or '|' at character {tokens[i][2] + 1}")
    alternatives.append(tuple(current))
    return KeyFormula(text, tuple(alternatives))


def load_formula(path: Path | None = None) -> KeyFormula | None:
    """The `[citekeys] formula` of the config file, parsed; None when it sets none.

    A formula that cannot be parsed is a `PapersiftError` naming the file: keys made
    by a formula the user did not mean would be worse than none.
    """
    path = Path(path) if path is not None else config_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PapersiftError(f"{path}: cannot read the config file: {exc}") from None
    section = data.get("citekeys")
    if section is None:
        return None
    formula = section.get("formula") if isinstance(section, dict) else None
    if formula is None:
        return None
    if not isinstance(formula, str) or not formula.strip():
        raise PapersiftError(f"{path}: [citekeys] formula must be a non-empty string")
    try:
        return parse_formula(formula)
    except ValueError as exc:
        raise PapersiftError(f"{path}: [citekeys] formula {formula!r}: {exc}") from None


# ---------------------------------------------------------------------- assigning keys


def check_key(key: str) -> str:
    """`key` if bibtex, biber and pandoc accept it as a citation key, else `PapersiftError`."""
    if not _KEY_OK.fullmatch(key) or len(key) > 200 or key == "0":
        raise PapersiftError(
            f"{key!r} is not a usable citation key: start with a letter or digit, then use "
            "only letters, digits and _ : . + - / (at most 200 characters)"
        )
    return key


def _wanted(entries: Iterable[Entry], formula: KeyFormula | None) -> dict[str, tuple[int, str]]:
    """Paper id -> (0 imported / 1 derived, the key it wants)."""
    wanted: dict[str, tuple[int, str]] = {}
    for entry in entries:
        paper = entry.paper
        if paper.id in wanted:
            continue
        imported = paper.bibtex.key if paper.bibtex is not None else ""
        if _KEY_OK.fullmatch(imported) and len(imported) <= 200 and imported != "0":
            wanted[paper.id] = (0, imported)
        else:
            wanted[paper.id] = (1, formula.key(paper) if formula else _base_key(paper))
    return wanted


def _assign(wanted: Mapping[str, tuple[int, str]], reserved: Iterable[str]) -> dict[str, str]:
    """Unique keys for `wanted`, none equal (case-insensitively) to a `reserved` one.

    Papers wanting the same key are ordered imported-first, then by id: the first gets
    the plain key (unless it is reserved), the others a, b, c... suffixes.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for pid, (rank, key) in wanted.items():
        groups.setdefault(key.casefold(), []).append((rank, pid))
    taken = {k.casefold() for k in reserved}
    used = set(groups) | taken
    keys: dict[str, str] = {}
    for folded in sorted(groups):
        members = sorted(groups[folded])
        if folded not in taken:
            first = members.pop(0)[1]
            keys[first] = wanted[first][1]
        suffixes = _suffixes()
        for _rank, pid in members:
            base = wanted[pid][1]
            key = next(k for k in (base + s for s in suffixes) if k.casefold() not in used)
            used.add(key.casefold())
            keys[pid] = key
    return keys


def citation_keys(entries: Sequence[Entry], formula: KeyFormula | None = None) -> dict[str, str]:
    """Paper id -> citation key: unique within `entries` (case-insensitively), ASCII.

    A key that came with an imported entry is kept when it is a usable key and no
    other imported entry claims it; other keys derive from the paper itself (`formula`,
    by default first author's surname, year, first significant title word; or the
    title's first words and the year), so a paper keeps its key across exports.
    Without a library nothing is pinned: `library_keys` is what exports use.
    """
    return _assign(_wanted(entries, formula), ())


def library_keys(library: Library, formula: KeyFormula | bool | None = True) -> dict[str, str]:
    """Paper id -> citation key for every paper of the library, pinned keys first.

    A pinned key (`Library.pinned_keys`) is the paper's whatever else the library
    holds; a paper merged into another hands its pinned key on when the other has
    none. Every other paper gets its key as `citation_keys` would, never one that is
    pinned (a new paper whose key collides gets the suffix). `formula=True` reads the
    config file's (`load_formula`); None is the built-in one.
    """
    if formula is True:
        formula = load_formula()
    pinned: dict[str, str] = {}
    on_disk = library.pinned_keys()
    for pid, key in on_disk.items():
        target = pid if pid in library.papers else library.canonical_id(pid)
        # A paper's own pin wins over one handed on by a merged-away paper.
        if (
            target in library.papers
            and target not in pinned
            and (target == pid or target not in on_disk)
        ):
            pinned[target] = key
    reserved = list(on_disk.values())
    others = [e for e in library.entries() if e.id not in pinned]
    keys = _assign(_wanted(others, formula or None), reserved)
    keys.update(pinned)
    return keys


def resolve_keys(library: Library, keys: Sequence[str]) -> tuple[list[Entry], list[str]]:
    """The library's papers with these citation keys, in the order given (each once),
    and the keys no paper has. A key matches exactly, else ignoring case (bibtex and
    biber treat keys differing only in case as one); a pinned key of a paper merged
    into another finds the paper it was merged into."""
    by_key = {key: pid for pid, key in library_keys(library).items()}
    folded = {key.casefold(): pid for key, pid in by_key.items()}
    for pid, key in library.pinned_keys().items():
        target = library.canonical_id(pid)
        if target in library.papers:
            by_key.setdefault(key, target)
            folded.setdefault(key.casefold(), target)
    found: list[str] = []
    missing: list[str] = []
    for key in keys:
        pid = by_key.get(key) or folded.get(key.casefold())
        if pid is None:
            missing.append(key)
        elif pid not in found:
            found.append(pid)
    return [library.entry(pid) for pid in found], missing
