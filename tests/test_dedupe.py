"""The dedupe engine: quality on the labelled pairs, the real corpus, API semantics.

tests/data/dedupe_labelled.json holds labelled pairs. Positives are variants of real
sample-corpus records (capitals, subtitle dropped, "LLMs", truncated or re-wrapped
abstracts, LaTeX braces, curly quotes, revised abstracts, shared DOI/arXiv id, ...);
negatives are real records with look-alike titles (every pair of the 318 distinct corpus
titles with token_set_ratio > 70) plus crafted collisions ("Introduction", a title with
one word changed over a template abstract, numbered sequels, ...). Each pair stores its
texts (a side is a reference into `records` plus the fields that differ) and its recipe.

Run with -s to see the precision/recall figures.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import textwrap
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papersift.dedupe import (
    Candidate,
    Match,
    _fast_normalize_title,
    _split_words,
    candidate_from,
    match,
    match_score,
)
from papersift.models import BibtexOrigin, Paper, Record, Source
from papersift.normalize import normalize_title
from papersift.readers import read_path

DATA = Path(__file__).parent / "data" / "dedupe_labelled.json"
SAMPLE = sorted((Path(__file__).resolve().parent.parent / "sample_data").glob("*.txt"))

SURE_PRECISION_FLOOR = 1.0
SURE_RECALL_FLOOR = 0.95
ANY_RECALL_FLOOR = 0.97


@cache
def labelled() -> list[tuple[dict, Candidate, Candidate]]:
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    records = doc["records"]

    def side(spec: dict) -> Candidate:
        fields = {**records[spec["ref"]], **{k: v for k, v in spec.items() if k != "ref"}}
        return Candidate(
            title=fields.get("title", ""),
            abstract=fields.get("abstract", ""),
            doi=fields.get("doi", ""),
            arxiv=fields.get("arxiv", ""),
            year=fields.get("year"),
        )

    return [(p, side(p["a"]), side(p["b"])) for p in doc["pairs"]]


@cache
def corpus_records() -> list[Record]:
    return [r for path in SAMPLE for r in read_path(path).records]


def groups(n: int, sure: list[Match]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in sure:
        parent[find(m.i)] = find(m.j)
    out: dict[int, list[int]] = {}
    for x in range(n):
        out.setdefault(find(x), []).append(x)
    return sorted(out.values())


# --- quality on the labelled set ----------------------------------------------------------


def test_labelled_set_is_big_and_balanced():
    pairs = labelled()
    labels = Counter(p["label"] for p, _, _ in pairs)
    assert len(pairs) >= 150
    assert labels["same"] >= 100 and labels["different"] >= 150, labels
    categories = {p["category"] for p, _, _ in pairs}
    for needed in (
        "capitals",
        "subtitle_dropped",
        "abbreviation+rewrapped",
        "capitals+truncated",
        "latex_braces",
        "curly_quotes_dashes",
        "same_doi",
        "lookalike_titles",
        "named_hard_negative",
    ):
        assert needed in categories


def test_sure_precision_and_recall_on_labelled_set():
    tp = fp = 0
    positives_expect_sure = found_sure = 0
    positives = found_any = 0
    false_sure: list[str] = []
    missed: list[str] = []
    per_category: dict[str, Counter[str]] = {}
    for pair, a, b in labelled():
        verdict, _, reason = match_score(a, b)
        per_category.setdefault(pair["category"], Counter())[verdict] += 1
        same = pair["label"] == "same"
        if verdict == "sure":
            if same:
                tp += 1
            else:
                fp += 1
                false_sure.append(f"{pair['category']}: {a.title!r} / {b.title!r} ({reason})")
        if same:
            positives += 1
            found_any += verdict != "different"
            if pair["expect"] == "sure":
                positives_expect_sure += 1
                found_sure += verdict == "sure"
                if verdict != "sure":
                    missed.append(f"{pair['category']}: {a.title!r} / {b.title!r} ({reason})")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = found_sure / positives_expect_sure
    any_recall = found_any / positives
    summary = (
        f"sure precision {precision:.3f} ({tp} true, {fp} false); "
        f"sure recall {recall:.3f} ({found_sure}/{positives_expect_sure} positives with "
        f"sure-grade evidence); sure-or-possible recall {any_recall:.3f} "
        f"({found_any}/{positives} positives)"
    )
    print("\n" + summary)
    for category, counts in sorted(per_category.items()):
        print(f"  {category:40s} {dict(counts)}")
    assert precision >= SURE_PRECISION_FLOOR, summary + "\n" + "\n".join(false_sure)
    assert recall >= SURE_RECALL_FLOOR, summary + "\n" + "\n".join(missed)
    assert any_recall >= ANY_RECALL_FLOOR, summary


def test_no_hard_negative_is_ever_sure():
    bad = [
        (pair["category"], a.title, b.title, match_score(a, b))
        for pair, a, b in labelled()
        if pair["label"] == "different" and match_score(a, b)[0] == "sure"
    ]
    assert not bad, bad


def test_every_labelled_pair_meets_its_expectation():
    allowed = {
        "sure": {"sure"},
        "possible": {"possible"},
        "different": {"different"},
        "not_sure": {"possible", "different"},
        "not_different": {"sure", "possible"},
    }
    wrong = []
    for pair, a, b in labelled():
        verdict, _, reason = match_score(a, b)
        if verdict not in allowed[pair["expect"]]:
            wrong.append((pair["category"], pair["expect"], verdict, reason, a.title, b.title))
    assert not wrong, wrong


def test_blocking_finds_every_labelled_pair_in_one_big_run():
    """match() over all labelled texts at once reports each pair as match_score judges it."""
    pairs = labelled()
    candidates = [c for _, a, b in pairs for c in (a, b)]
    result = match(candidates)
    found = {(m.i, m.j): "sure" for m in result.sure}
    found.update({(m.i, m.j): "possible" for m in result.possible})
    lost = []
    for k, (pair, a, b) in enumerate(pairs):
        expected = match_score(a, b)[0]
        got = found.get((2 * k, 2 * k + 1), "different")
        if got != expected:
            lost.append((pair["category"], expected, got, a.title, b.title))
    assert not lost, lost


# --- the real corpus ----------------------------------------------------------------------


def test_real_corpus_merges_exactly_the_same_titles():
    records = corpus_records()
    assert len(records) == 377
    result = match([candidate_from(r) for r in records])
    got = groups(len(records), result.sure)
    by_title: dict[str, list[int]] = {}
    for k, r in enumerate(records):
        by_title.setdefault(normalize_title(r.title), []).append(k)
    assert len(got) == 318
    assert got == sorted(by_title.values())
    # No fuzzy duplicates among the 318 distinct titles (closest: "How Language-Neutral is
    # Multilingual BERT?" and its extended version "On the Language Neutrality of
    # Pre-trained Multilingual Representations", distinct arXiv papers, abstract prefix
    # only ~73 -- not even close enough to be listed).
    assert result.possible == [], [
        (records[m.i].title, records[m.j].title) for m in result.possible
    ]
    print(f"\ncorpus: {len(records)} records -> {len(got)} papers, {len(result.sure)} sure pairs")


def test_the_issue_examples():
    gedi = next(r for r in corpus_records() if r.title.startswith("GeDi:"))
    short = Candidate("GeDi", gedi.abstract[:300] + "…")
    assert match_score(candidate_from(gedi), short)[0] == "sure"
    assert match_score(candidate_from(gedi), Candidate("GeDi"))[0] == "possible"

    by_title = {r.title: candidate_from(r) for r in corpus_records()}
    for x, y in [
        ("Large Language Model Alignment: A Survey",
         "Aligning Large Language Models with Human: A Survey"),
        ("Datasets for Large Language Models: A Comprehensive Survey",
         "Text Data Augmentation for Large Language Models: A Comprehensive Survey of "
         "Methods, Challenges, and Opportunities"),
    ]:  # fmt: skip
        a, b = by_title[x], by_title[y]
        assert match_score(a, b)[0] == "different"
        # Even stripped of abstracts, or with "LLMs", they are not sure.
        assert match_score(Candidate(a.title), Candidate(b.title))[0] != "sure"
        b_llms = Candidate(b.title.replace("Large Language Models", "LLMs"), b.abstract[:300])
        assert match_score(a, b_llms)[0] != "sure"


def test_abstract_folding_cases():
    text = (
        "We develop high performance multilingual Abstract Meaning Representation (AMR) "
        "systems by projecting English AMR annotations to other languages with weak "
        "supervision. We achieve this goal by bootstrapping transformer-based multilingual "
        "word embeddings, in particular those from cross-lingual RoBERTa."
    )
    rewrapped = text.replace("systems", "sys-\ntems").replace(" ", "\n", 5).replace("  ", " ")
    glued = text.replace("multilingual Abstract", "multilingualAbstract")
    title = "Bootstrapping Multilingual AMR with Contextual Word Alignments"
    for other in (rewrapped, glued, "Abstract: " + text, text[:200] + "...", text[:200] + "…"):
        verdict, _, reason = match_score(Candidate(title, text), Candidate(title + "s", other))
        assert verdict == "sure" and "abstract prefix 100" in reason, (other, reason)


def test_same_title_with_clearly_different_abstracts_is_only_possible():
    records = corpus_records()
    a = Candidate("Introduction", records[0].abstract)
    b = Candidate("INTRODUCTION.", records[50].abstract)
    assert match_score(a, b)[0] == "possible"
    assert match_score(a, Candidate("Introduction"))[0] == "sure"


def _column(volume: str, number: str = "", pages: str = "", venue: str = "TUGboat") -> Candidate:
    fields = tuple(
        (name, value)
        for name, value in (("volume", volume), ("number", number), ("pages", pages))
        if value
    )
    origin = BibtexOrigin("article", f"k{volume}{number}{pages}", fields)
    return Candidate("Calendar", venue=venue, year=1985, bibtex=origin)


def test_a_journals_recurring_column_is_one_paper_an_issue():
    # TUGboat's bibliography has 122 "Calendar" columns, most a year or less apart.
    five, six = _column("5", "2", "146--146"), _column("6", "1", "39--39")
    verdict, _, reason = match_score(five, six)
    assert verdict == "different" and reason == "same venue, volume 5 / 6"
    assert match_score(_column("6", "1", "39"), _column("6", "2", "97"))[2] == (
        "same venue, number 1 / 2"
    )
    assert match_score(_column("6", "1", "39"), _column("6", "1", "97"))[0] == "different"
    # One place written two ways ("39--39" and "39", with or without braces) is one paper.
    assert match_score(_column("6", "1", "39--39"), _column("{6}", "1", "39"))[0] == "sure"
    # Only the parts both give are compared, and only within one venue: a preprint
    # without pages, or a journal version of a conference paper, may still be the paper.
    assert match_score(_column("6", "1", "39"), _column("6"))[0] == "sure"
    assert match_score(_column("6", "1", "39"), _column("9", "1", "1", venue="CACM"))[0] == "sure"
    assert match_score(_column("6", "1", "39"), Candidate("Calendar", year=1985))[0] == "sure"


def test_identifiers():
    a = Candidate("A Title", doi="https://doi.org/10.1234/ABC.5")
    b = Candidate("Something else entirely", doi="doi:10.1234/abc.5")
    assert match_score(a, b) == ("sure", 100.0, "same DOI")
    c = Candidate("x", arxiv="arXiv:2403.12345v2")
    d = Candidate("y", arxiv="2403.12345")
    assert match_score(c, d)[:2] == ("sure", 100.0)
    # Same title but DOIs (or arXiv ids) that disagree: the user decides.
    e = Candidate("Deep Learning for Cats", doi="10.1234/a")
    f = Candidate("Deep learning for cats", doi="10.1234/b")
    verdict, _, reason = match_score(e, f)
    assert verdict == "possible" and "different DOIs" in reason
    g = Candidate("Deep Learning for Cats", year=2001)
    h = Candidate("Deep Learning for Cats", year=2019)
    assert match_score(g, h)[0] == "possible"


def test_abbreviations_and_spellings():
    pairs = [
        ("Aligning Large Language Models with Humans", "Aligning LLMs with Humans"),
        ("Pre-trained Language Models for NLP", "Pretrained LMs for Natural Language Processing"),
        ("Fine-Tuning Multi-Lingual {BERT}", "Finetuning multilingual BERT"),
        ("“Zero-Shot” Transfer – A Study", '"Zero Shot" Transfer - a study.'),
    ]  # fmt: skip
    for x, y in pairs:
        assert match_score(Candidate(x), Candidate(y)) == ("sure", 100.0, "same title"), (x, y)


def test_numbered_titles_are_different_without_other_evidence():
    assert match_score(Candidate("Llama 2: Open Models"), Candidate("Llama 3: Open Models"))[0] == (
        "different"
    )


def _general_normalize_title(title: str) -> str:
    """normalize_title without its ASCII shortcut: the definition the shortcut must match."""
    from papersift.normalize import _TRAILING_PUNCT, fold, strip_latex

    return _TRAILING_PUNCT.sub("", fold(strip_latex(title)))


def test_fast_title_normalization_agrees_on_the_corpus():
    for r in corpus_records():
        assert _fast_normalize_title(r.title) == normalize_title(r.title)
        assert normalize_title(r.title) == _general_normalize_title(r.title)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_fast_paths_agree_on_ascii(title):
    assert _fast_normalize_title(title) == normalize_title(title)
    assert normalize_title(title) == _general_normalize_title(title)
    assert _split_words(title) == [w for w in re.split(r"[^\w]+", title) if w]


# --- API semantics ------------------------------------------------------------------------


def _mixed_candidates() -> list[Candidate]:
    """Corpus records plus variants, in a fixed shuffled order."""
    rng = random.Random(5)
    out = [candidate_from(r) for r in corpus_records()]
    for r in rng.sample(corpus_records(), 60):
        title = r.title.upper() if rng.random() < 0.5 else r.title.split(":")[0]
        out.append(Candidate(title, r.abstract[: rng.choice([200, 400, 2000])] + "…"))
    rng.shuffle(out)
    return out


def test_first_new_reports_only_pairs_touching_new_candidates():
    candidates = _mixed_candidates()
    full = match(candidates)
    for first_new in (0, 1, 100, 300, len(candidates) - 1, len(candidates)):
        part = match(candidates, first_new=first_new)
        for kind in ("sure", "possible"):
            got = getattr(part, kind)
            assert all(m.j >= first_new for m in got)
            # The same pairs a full run finds, minus library-library ones.
            assert got == [m for m in getattr(full, kind) if m.j >= first_new]
    assert match(candidates, first_new=len(candidates)) == match([])


def test_first_new_against_a_deduped_library():
    library = list({normalize_title(r.title): candidate_from(r) for r in corpus_records()}.values())
    gedi = next(c for c in library if c.title.startswith("GeDi:"))
    new = [Candidate("GEDI", gedi.abstract[:250] + "..."), Candidate("A brand new paper")]
    result = match(library + new, first_new=len(library))
    assert [(m.i, m.j) for m in result.sure] == [(library.index(gedi), len(library))]
    assert result.possible == []


def test_output_is_sorted_and_deterministic():
    candidates = _mixed_candidates()
    first = match(candidates)
    assert first == match(candidates)
    for kind in (first.sure, first.possible):
        assert [(m.i, m.j) for m in kind] == sorted((m.i, m.j) for m in kind)
        assert all(m.i < m.j and 0 <= m.score <= 100 and m.reason for m in kind)
    assert len(first.sure) > 60


def test_progress_reports_reach_the_total():
    calls: list[tuple[int, int]] = []
    match(_mixed_candidates(), progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert all(0 <= d <= t for d, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_candidate_from_records_and_papers():
    record = Record(title="T", source=Source("f", 0), abstract="A", doi="10.1234/x", year=2020)
    assert candidate_from(record) == Candidate("T", "A", "10.1234/x", "", 2020)
    paper = Paper(id="x", title="T", arxiv="2401.00001")
    assert candidate_from(paper) == Candidate("T", arxiv="2401.00001")


def test_dedupe_does_not_import_textual():
    code = "import sys, papersift.dedupe; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_synthetic_scale_smoke():
    """A small run of the benchmark recipe: recombined corpus text plus injected variants."""
    rng = random.Random(11)
    records = list({normalize_title(r.title): r for r in corpus_records()}.values())
    vocab = sorted({w for r in records for w in r.title.split()})
    sentences = [s for r in records for s in re.split(r"(?<=\.)\s+", r.abstract) if len(s) > 40]
    candidates: list[Candidate] = []
    injected: list[tuple[int, int]] = []
    while len(candidates) < 3000:
        if candidates and rng.random() < 0.1:
            k = rng.randrange(len(candidates))
            c = candidates[k]
            title = c.title.upper() if rng.random() < 0.5 else c.title.replace("Models", "Model")
            candidates.append(Candidate(title, c.abstract[:300] + "…"))
            injected.append((k, len(candidates) - 1))
            continue
        words = [
            rng.choice(vocab) if rng.random() < 0.4 else w
            for w in rng.choice(records).title.split()
        ]
        first = rng.choice(sentences).split()
        rng.shuffle(first)
        rest = rng.sample(sentences, 4)
        candidates.append(Candidate(" ".join(words), " ".join([" ".join(first), *rest])))
    result = match(candidates)
    sure = {(m.i, m.j) for m in result.sure}
    found = sum(p in sure for p in injected)
    print(f"\nsynthetic 3000: {found}/{len(injected)} injected variants sure")
    assert found / len(injected) >= 0.97


# --- properties ---------------------------------------------------------------------------

_texts = st.one_of(
    st.just(""),
    st.text(max_size=60),
    st.sampled_from(["GeDi", "GeDi: Generative Discriminator", "LLMs", "Large Language Models"]),
    st.text(alphabet="aB {}\\-–…:.", max_size=40),
    st.builds(lambda s, k: s * k, st.text(min_size=1, max_size=5), st.integers(1, 5000)),
)
_candidates = st.builds(
    Candidate,
    title=_texts,
    abstract=_texts,
    doi=st.sampled_from(["", "10.1234/a", "doi:10.1234/A", "10.5555/b"]),
    arxiv=st.sampled_from(["", "2401.00001", "arXiv:2401.00001v3", "nonsense"]),
    year=st.one_of(st.none(), st.integers(1900, 2100)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_candidates, max_size=12), st.integers(0, 14))
def test_match_never_pairs_an_item_with_itself_nor_crashes(candidates, first_new):
    result = match(candidates, first_new=first_new)
    seen = set()
    for m in result.sure + result.possible:
        assert 0 <= m.i < m.j < len(candidates)
        assert m.j >= first_new
        assert (m.i, m.j) not in seen
        seen.add((m.i, m.j))


@settings(max_examples=300, deadline=None)
@given(_candidates, _candidates)
def test_match_score_is_symmetric(a, b):
    verdict, score, reason = match_score(a, b)
    assert (verdict, score, reason) == match_score(b, a)
    assert verdict in ("sure", "possible", "different")
    assert 0 <= score <= 100


@settings(max_examples=100, deadline=None)
@given(_candidates)
def test_a_candidate_matches_itself_when_it_has_a_title(a):
    verdict, _, _ = match_score(a, a)
    if normalize_title(a.title) and re.search(r"\w", normalize_title(a.title)):
        assert verdict == "sure"


def test_forked_matching_gives_exactly_the_single_process_result():
    # In a fresh interpreter (one thread, as the CLI): pytest-xdist's threads would
    # rightly keep dedupe from forking here.
    code = """
        import pickle, sys
        from papersift import dedupe
        from papersift.parallel.fork import can_fork
        from tests.test_dedupe import _mixed_candidates, labelled
        assert can_fork()
        candidates = _mixed_candidates() + [c for _, a, b in labelled() for c in (a, b)]
        results = []
        for fork_from in (10**9, 0):
            dedupe.FORK_FROM = fork_from
            results.append([dedupe.match(candidates, first_new=k) for k in (0, 200)])
        assert results[0] == results[1]
        assert len(results[0][0].sure) > 100
    """
    if sys.platform != "linux":
        pytest.skip("forks on Linux only")
    root = Path(__file__).parent.parent
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, cwd=root, timeout=300)
