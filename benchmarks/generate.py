"""Deterministic synthetic corpora for the benchmarks, recombined from the sample corpus.

Every paper is made from real text so tokenizers, dedupe and search see realistic
vocabulary and lengths: a title is a few word spans cut from real titles (often behind
a made-up "Name:" head, as in real listings), an abstract is a first sentence spliced
from two real sentences (so openings do not repeat, which would make dedupe's abstract
blocks meaninglessly large) followed by real sentences, as many as a real abstract has.

About 10 % of the records are near-duplicates of an earlier paper, in the forms listings
really produce: an upper-cased title, the subtitle dropped, "Large Language Models"
written "LLMs", an abstract cut off with "…". The ground truth (how many distinct papers)
goes into the manifest so a run can tell whether dedupe kept up, not only how fast it was.

Records go half into listing text files and half into BibTeX files (with authors, years,
venues, some arXiv ids and DOIs, a little LaTeX), in files of at most `RECORDS_PER_FILE`
records. Everything is a function of (seed, size): the same pair gives byte-identical
files, which is what makes the on-disk cache safe to reuse.

Usage: python benchmarks/generate.py SIZE [--seed N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Bump when the output for a given (seed, size) changes, so stale caches are rebuilt.
GENERATOR_VERSION = 2
DUPLICATE_RATE = 0.10
RECORDS_PER_FILE = 20_000
REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_LLM_PHRASE = "Large Language Models"

FIRST_NAMES = [
    "Ana",
    "Wei",
    "Rahul",
    "Maria",
    "Jun",
    "Olga",
    "Pierre",
    "Fatima",
    "Kenji",
    "Lucia",
    "Tomasz",
    "Aisha",
    "Diego",
    "Mei",
    "Ivan",
    "Sara",
    "Hiro",
    "Nadia",
    "Lars",
    "Priya",
    "Omar",
    "Chen",
    "Elena",
    "Jonas",
    "Yuki",
    "Amir",
    "Clara",
    "Marco",
    "Ines",
    "Kwame",
    "Zoe",
    "Arjun",
    "Lena",
    "Mateo",
    "Hana",
    "Felix",
    "Noor",
    "Pablo",
    "Rosa",
    "Sven",
]
LAST_NAMES = [
    "Smith",
    "Wang",
    "Kumar",
    "Garcia",
    "Li",
    "Ivanova",
    "Dubois",
    "Khan",
    "Tanaka",
    "Rossi",
    "Nowak",
    "Okafor",
    "Fernandez",
    "Zhang",
    "Petrov",
    "Silva",
    "Sato",
    "Haddad",
    "Larsen",
    "Patel",
    "Hassan",
    "Chen",
    "Popescu",
    "Weber",
    "Suzuki",
    "Karimi",
    "Moreau",
    "Bianchi",
    "Costa",
    "Mensah",
    "Liu",
    "Sharma",
    "Novak",
    "Herrera",
    "Kim",
    "Becker",
    "Rahman",
    "Ortega",
    "Yilmaz",
    "Nguyen",
]
# A few names written the way BibTeX files carry accents, so the LaTeX decoder is on
# the measured path.
LATEX_LAST_NAMES = ('M{\\"u}ller', "Gonz{\\'a}lez", "Ho{\\v{s}}ek", "{\\O}stergaard")
VENUES = (
    "ACL",
    "EMNLP",
    "NAACL",
    "NeurIPS",
    "ICLR",
    "ICML",
    "TACL",
    "COLING",
    "arXiv preprint",
    "Transactions on Machine Learning Research",
)


@dataclass(slots=True)
class Pools:
    """The pieces of real text papers are recombined from."""

    title_words: list[list[str]]
    name_parts: list[str]
    sentences: list[str]
    sentence_counts: list[int]
    body_lengths: list[int]
    head_rate: float


@dataclass(slots=True)
class Paper:
    """One synthetic record (an original or a near-duplicate of one)."""

    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)
    year: int = 2020
    venue: str = ""
    arxiv: str = ""
    doi: str = ""


def load_pools() -> Pools:
    """Split the sample corpus into title spans, name fragments and sentences."""
    from papersift.readers import read_path

    records = [r for p in sorted(SAMPLE_DATA.glob("*.txt")) for r in read_path(p).records]
    title_words, body_lengths, heads = [], [], 0
    name_parts: set[str] = set()
    sentences: list[str] = []
    sentence_counts: list[int] = []
    for r in records:
        _head, sep, body = r.title.partition(": ")
        if sep:
            heads += 1
        else:
            body = r.title
        words = body.split()
        if len(words) >= 2:
            title_words.append(words)
            body_lengths.append(len(words))
        for w in r.title.split():
            w = re.sub(r"[^A-Za-z]", "", w)
            if len(w) >= 4:
                name_parts.add(w[:5].capitalize())
        if r.abstract:
            parts = [s.strip() for s in _SENTENCE_SPLIT.split(r.abstract) if len(s.split()) >= 4]
            sentences.extend(parts)
            sentence_counts.append(max(2, len(parts)))
    return Pools(
        title_words=title_words,
        name_parts=sorted(name_parts),
        sentences=sentences,
        sentence_counts=sentence_counts,
        body_lengths=body_lengths,
        head_rate=heads / len(records),
    )


def _title(rng: random.Random, pools: Pools) -> str:
    target = rng.choice(pools.body_lengths)
    words: list[str] = []
    while len(words) < target:
        source = rng.choice(pools.title_words)
        span = rng.randint(2, 4)
        start = rng.randrange(max(1, len(source) - span + 1))
        words.extend(source[start : start + span])
    words = words[: max(target, 3)]
    if rng.random() < 0.15 and _LLM_PHRASE not in " ".join(words):
        at = rng.randrange(len(words) + 1)
        words[at:at] = ["for" if at else "Aligning", *_LLM_PHRASE.split()]
    body = " ".join(words).rstrip(".:;,")
    body = body[0].upper() + body[1:]
    if rng.random() < pools.head_rate:
        head = "".join(rng.choice(pools.name_parts) for _ in range(2))
        return f"{head}: {body}"
    return body


def _abstract(rng: random.Random, pools: Pools) -> str:
    a, b = rng.choice(pools.sentences).split(), rng.choice(pools.sentences).split()
    first = " ".join(a[: max(2, len(a) // 2)] + b[len(b) // 2 :])
    rest = [rng.choice(pools.sentences) for _ in range(rng.choice(pools.sentence_counts) - 1)]
    text = " ".join([first, *rest])
    return text if text.endswith((".", "!", "?")) else text + "."


def original(seed: int, index: int, pools: Pools) -> Paper:
    """Paper number `index`: a pure function of (seed, index), so duplicates can recompute it."""
    rng = random.Random(seed * 1_000_003 + index)
    n_authors = rng.randint(1, 6)
    authors = []
    for _ in range(n_authors):
        last = rng.choice(LATEX_LAST_NAMES) if rng.random() < 0.03 else rng.choice(LAST_NAMES)
        authors.append(f"{last}, {rng.choice(FIRST_NAMES)}")
    year = rng.randint(2015, 2025)
    paper = Paper(
        title=_title(rng, pools),
        abstract=_abstract(rng, pools),
        authors=authors,
        year=year,
        venue=rng.choice(VENUES),
    )
    roll = rng.random()
    if roll < 0.3:
        # Unique up to 1.2M papers: the month carries index // 100_000. (Version 1 took
        # the month from index % 12, so at 1M papers thousands of distinct papers shared
        # an arXiv id, and dedupe rightly merged them.)
        paper.arxiv = f"{year % 100:02d}{1 + (index // 100_000) % 12:02d}.{index % 100_000:05d}"
    elif roll < 0.5:
        paper.doi = f"10.5555/synth.{seed}.{index}"
    return paper


def _truncate(text: str, rng: random.Random) -> str:
    cut = rng.randint(220, 420)
    if len(text) <= cut:
        return text
    return text[:cut].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def variant(paper: Paper, rng: random.Random) -> tuple[Paper, list[str]]:
    """A near-duplicate of `paper` as another listing would print it, and what changed."""
    kinds: list[str] = []
    title, abstract = paper.title, paper.abstract
    title_ops = ["upper"]
    if ": " in title:
        title_ops.append("drop-subtitle")
    if _LLM_PHRASE in title:
        title_ops.append("llms")
    op = rng.choice([*title_ops, None])
    if op == "upper":
        title = title.upper()
    elif op == "drop-subtitle":
        title = title.split(": ", 1)[0]
    elif op == "llms":
        title = title.replace(_LLM_PHRASE, "LLMs")
    if op:
        kinds.append(op)
    if not kinds or rng.random() < 0.5:
        abstract = _truncate(abstract, rng)
        kinds.append("truncated-abstract")
    keep_ids = rng.random() < 0.3
    dup = Paper(
        title=title,
        abstract=abstract,
        authors=list(paper.authors),
        year=paper.year,
        venue=paper.venue,
        arxiv=paper.arxiv if keep_ids else "",
        doi=paper.doi if keep_ids else "",
    )
    return dup, kinds


_BIB_ESCAPES = str.maketrans({c: "\\" + c for c in "%&_#$"} | {"{": "", "}": ""})


def _bib_text(text: str) -> str:
    return text.translate(_BIB_ESCAPES)


def _bib_entry(paper: Paper, key: str) -> str:
    title = _bib_text(paper.title)
    head, sep, body = title.partition(": ")
    if sep:
        # Case protection on the made-up name, as bibliography managers write it.
        title = f"{{{head}}}: {body}"
    lines = [
        f"@article{{{key},",
        f"  title = {{{title}}},",
        f"  author = {{{' and '.join(paper.authors)}}},",
        f"  year = {paper.year},",
        f"  journal = {{{paper.venue}}},",
    ]
    if paper.arxiv:
        lines.append(f"  eprint = {{{paper.arxiv}}},")
        lines.append("  archiveprefix = {arXiv},")
    if paper.doi:
        lines.append(f"  doi = {{{paper.doi}}},")
    lines.append(f"  abstract = {{{_bib_text(paper.abstract)}}}")
    lines.append("}\n")
    return "\n".join(lines)


class _Writer:
    """Appends records to numbered files of one format, starting a new file when full."""

    def __init__(self, out: Path, stem: str, suffix: str, header: str) -> None:
        self.out, self.stem, self.suffix, self.header = out, stem, suffix, header
        self.files: list[Path] = []
        self.count = 0
        self._fh = None

    def write(self, text: str) -> None:
        if self._fh is None or self.count % RECORDS_PER_FILE == 0:
            self.close()
            path = self.out / f"{self.stem}-{len(self.files) + 1:03d}{self.suffix}"
            self.files.append(path)
            self._fh = path.open("w", encoding="utf-8")
            self._fh.write(self.header)
        self._fh.write(text)
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def generate(size: int, seed: int, out: Path) -> dict:
    """Write a corpus of `size` records into `out` (replaced) and return its manifest."""
    started = time.perf_counter()
    pools = load_pools()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    master = random.Random(seed)
    listing = _Writer(out, "listing", ".txt", "Daily Papers\nbyAK and the research community\n\n")
    bibtex = _Writer(out, "refs", ".bib", "% synthetic benchmark corpus\n\n")
    originals = 0
    duplicates = 0
    kinds: dict[str, int] = {}
    for k in range(size):
        if originals and master.random() < DUPLICATE_RATE:
            source = master.randrange(originals)
            paper, what = variant(original(seed, source, pools), random.Random(master.random()))
            duplicates += 1
            for kind in what:
                kinds[kind] = kinds.get(kind, 0) + 1
        else:
            paper = original(seed, originals, pools)
            originals += 1
        if master.random() < 0.5:
            listing.write(f"{paper.title}\n{paper.abstract}\n\n")
        else:
            surname = re.sub(r"[^A-Za-z]", "", paper.authors[0].split(",")[0]).lower()
            bibtex.write(_bib_entry(paper, f"{surname}{paper.year}k{k}"))
    listing.close()
    bibtex.close()
    files = listing.files + bibtex.files
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "records": size,
        "distinct_papers": originals,
        "near_duplicates": duplicates,
        "duplicate_kinds": dict(sorted(kinds.items())),
        "listing_records": listing.count,
        "bibtex_records": bibtex.count,
        "files": [p.name for p in files],
        "bytes": sum(p.stat().st_size for p in files),
        "seconds": round(time.perf_counter() - started, 2),
    }
    # Written last: its presence is what marks the directory as a complete corpus.
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def cached_corpus(size: int, seed: int, cache_dir: Path) -> tuple[Path, dict]:
    """The corpus for (seed, size) from the cache, generating it the first time."""
    out = cache_dir / f"v{GENERATOR_VERSION}-seed{seed}-n{size}"
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all((out / name).exists() for name in manifest["files"]):
            return out, manifest
    return out, generate(size, seed, out)


def parse_size(text: str) -> int:
    """'200', '1k', '10K', '1m' -> a record count."""
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    return int(float(number) * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=parse_size)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or REPO / "benchmarks" / "results" / "corpora" / f"seed{args.seed}-n{args.size}"
    print(json.dumps(generate(args.size, args.seed, out), indent=2))


if __name__ == "__main__":
    main()
