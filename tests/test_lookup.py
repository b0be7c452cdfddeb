"""Adding papers by arXiv id or DOI against a real HTTP server on 127.0.0.1 serving
recorded answers (tests/lookup_server.py): batching, the rate limit, the queue across
processes, permanent failures that change nothing, dedupe and arXiv versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift.cli import main
from papersift.lookup import Lookup, LookupConfig, load_lookup_config, read_queue
from papersift.lookup.arxiv import parse_feed
from papersift.lookup.doi import record_from_csl
from papersift.lookup.fetch import Permanent, RateLimiter
from papersift.lookup.queue import FILE_NAME
from papersift.store import Library
from tests.lookup_server import Services, recorded, serve
from tests.test_bad_input import snapshot


class FakeClock:
    """A monotonic clock that moves only when slept on: the rate limit, without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def server() -> Iterator[Services]:
    with serve() as services:
        yield services


@pytest.fixture
def env(server: Services, monkeypatch: pytest.MonkeyPatch) -> Services:
    """The CLI pointed at the local server through the environment variables."""
    monkeypatch.setenv("PAPERSIFT_ARXIV_API", server.arxiv_api)
    monkeypatch.setenv("PAPERSIFT_DOI_URL", server.doi_url)
    return server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def lookup_for(server: Services, clock: FakeClock):
    def make(path: Path, timeout: float = 2.0) -> Lookup:
        config = LookupConfig(arxiv_api=server.arxiv_api, doi_url=server.doi_url, timeout=timeout)
        return Lookup(path, config, limiter=RateLimiter(3.0, clock=clock, sleep=clock.sleep))

    return make


def add(library_path: Path, *args: str, capsys) -> tuple[int, list[str]]:
    status = main(["--library", str(library_path), "add", *args])
    out = capsys.readouterr().out
    return status, out.splitlines()


# ---------------------------------------------------------------------- the Atom feed


def test_the_recorded_feed_is_read_faithfully():
    feed = parse_feed(recorded("arxiv-three.xml"))
    by_id = {e.arxiv: e for e in feed.entries}
    assert list(by_id) == ["2403.04652", "1706.03762", "hep-th/9711200"]
    attention = by_id["1706.03762"]
    assert attention.version == 7
    assert attention.year == 2017
    assert attention.authors[0] == "Ashish Vaswani" and len(attention.authors) == 8
    assert attention.abstract.startswith("The dominant sequence transduction models")
    assert "\n" not in attention.abstract and "  " not in attention.abstract
    assert "41.8" in attention.abstract
    maldacena = by_id["hep-th/9711200"]
    assert (maldacena.version, maldacena.doi) == (3, "10.1023/A:1026654312961")
    assert maldacena.journal_ref == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert maldacena.title == "The Large N Limit of Superconformal field theories and supergravity"
    assert feed.errors == {}


def test_entity_expansion_is_refused_without_expanding():
    started = time.monotonic()
    with pytest.raises(Permanent, match="DTD"):
        parse_feed(recorded("arxiv-doctype.xml"))
    assert time.monotonic() - started < 1


def test_truncated_and_foreign_documents_are_permanent_errors():
    with pytest.raises(Permanent, match="malformed XML"):
        parse_feed(recorded("arxiv-truncated.xml"))
    with pytest.raises(Permanent, match="not an Atom feed"):
        parse_feed(b"<html><body>Rate exceeded.</body></html>")


def test_arxiv_error_entries_name_the_id():
    feed = parse_feed(recorded("arxiv-error.xml"))
    assert feed.entries == []
    assert feed.errors == {"2401.9999": "incorrect id format for 2401.9999"}


# ---------------------------------------------------------------------- config


def test_config_file_and_environment(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[lookup]\narxiv_api = "http://127.0.0.1:9/api/query"\ndoi_url = "http://127.0.0.1:9/d"\n'
        "timeout = 5\n"
    )
    config = load_lookup_config(path, environ={})
    assert config.arxiv_api == "http://127.0.0.1:9/api/query"
    assert config.doi_url == "http://127.0.0.1:9/d/"
    assert config.timeout == 5.0 and config.problems == []
    env = {"PAPERSIFT_ARXIV_API": "http://localhost:1/q", "PAPERSIFT_DOI_URL": "http://x/"}
    both = load_lookup_config(path, environ=env)
    assert (both.arxiv_api, both.doi_url) == ("http://localhost:1/q", "http://x/")
    path.write_text('[lookup]\narxiv_api = "file:///etc/passwd"\ntimeout = -1\n')
    bad = load_lookup_config(path, environ={"PAPERSIFT_DOI_URL": "nonsense"})
    assert bad.arxiv_api == "https://export.arxiv.org/api/query"
    assert bad.doi_url == "https://doi.org/"
    assert len(bad.problems) == 3


# ---------------------------------------------------------------------- batching, rate limit


def test_fifty_ids_take_one_request(server: Services, lookup_for, library_path: Path):
    ids = [f"2406.{n:05d}" for n in range(50)]
    for n, arxiv_id in enumerate(ids):
        server.register(arxiv_id, f"Registered paper number {n} on topic {n * 7919 % 1000}")
    library = Library(library_path)
    report = lookup_for(library_path).add(library, "\n".join(ids))
    assert len(server.arxiv_requests()) == 1 and report.requests == 1
    assert [o.result for o in report.outcomes] == ["added"] * 50
    assert len(library.papers) == 50
    assert {p.arxiv for p in library.papers.values()} == set(ids)


def test_the_rate_limit_spaces_requests_three_seconds(
    server: Services, lookup_for, clock: FakeClock, library_path: Path
):
    ids = [f"2406.{n:05d}" for n in range(250)]  # three batches of at most 100
    library = Library(library_path)
    lookup = lookup_for(library_path)
    lookup.add(library, " ".join(ids))
    lookup.add(library, "2403.04652")  # a later add in the same process waits too
    assert len(server.arxiv_requests()) == 4
    assert clock.sleeps == [3.0, 3.0, 3.0]


def test_the_rate_limit_holds_across_processes_sharing_a_stamp(tmp_path: Path):
    clock = FakeClock()
    stamp = tmp_path / "arxiv.stamp"
    app = RateLimiter(3.0, clock=clock, sleep=clock.sleep, shared=stamp)
    shell = RateLimiter(3.0, clock=clock, sleep=clock.sleep, shared=stamp)
    app.wait()
    clock.now += 1.0
    shell.wait()  # another process, 1 s later: waits the remaining 2 s
    assert clock.sleeps == [2.0]
    assert float(stamp.read_text()) == clock.now
    stamp.write_text(repr(clock.now + 10_000))  # the clock was set back
    app.wait()
    assert clock.sleeps == [2.0, 3.0]
    stamp.write_text("garbage")
    shell.wait()  # an unreadable stamp: this limiter's own last request counts (long ago)
    assert clock.sleeps == [2.0, 3.0]
    assert float(stamp.read_text()) == clock.now  # and the stamp is good again
    app.wait()
    assert clock.sleeps == [2.0, 3.0, 3.0]


def test_only_arxiv_itself_shares_the_stamp(tmp_path: Path):
    real = Lookup(tmp_path, LookupConfig())
    assert real.limiter.shared is not None and real.limiter.shared.parent != tmp_path
    local = Lookup(tmp_path, LookupConfig(arxiv_api="http://127.0.0.1:9/api/query"))
    assert local.limiter.shared is None


def test_arxiv_dois_go_to_arxiv(server: Services, lookup_for, library_path: Path):
    library = Library(library_path)
    report = lookup_for(library_path).add(library, "https://doi.org/10.48550/arXiv.1706.03762")
    assert report.outcomes[0].result == "added"
    assert server.requests == ["/api/query?id_list=1706.03762&max_results=1"]


def test_dois_use_content_negotiation(server: Services, lookup_for, library_path: Path):
    library = Library(library_path)
    report = lookup_for(library_path).add(library, "doi:10.1038/nature14539")
    assert server.accepts == ["application/vnd.citationstyles.csl+json"]
    (paper,) = library.papers.values()
    assert (paper.title, paper.year, paper.venue) == ("Deep learning", 2015, "Nature")
    assert paper.authors == ("LeCun, Yann", "Bengio, Yoshua", "Hinton, Geoffrey")
    assert paper.sources[0].file == "doi.org"
    assert report.outcomes[0].paper_id == paper.id


def test_the_cache_answers_again_without_a_request(
    server: Services, lookup_for, library_path: Path
):
    library = Library(library_path)
    lookup = lookup_for(library_path)
    lookup.add(library, "1706.03762v7 10.1038/nature14539")
    assert len(server.requests) == 2
    again = lookup_for(library_path).add(Library(library_path), "1706.03762v7 10.1038/nature14539")
    assert len(server.requests) == 2
    assert [o.detail for o in again.outcomes] == ["nothing new", "nothing new"]
    lookup.add(library, "10.1038/nature14539", use_cache=False)
    assert len(server.requests) == 3


# ---------------------------------------------------------------------- offline, the queue


def test_a_timeout_queues_the_lookup_across_processes_until_a_retry_succeeds(
    env: Services, library_path: Path, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    config = tmp_path / "config.toml"
    config.write_text("[lookup]\ntimeout = 0.3\n")
    monkeypatch.setenv("PAPERSIFT_CONFIG", str(config))
    env.arxiv_mode = "slow"
    env.slow_seconds = 1.5
    started = time.monotonic()
    status, lines = add(library_path, "arXiv:1706.03762v7", "10.1038/nature14539", capsys=capsys)
    assert time.monotonic() - started < 1.4  # the deadline, not the slow answer
    assert status == 0
    assert lines[0] == "arXiv:1706.03762v7: queued: arXiv: no answer within 0.3 s"
    assert lines[1].startswith("10.1038/nature14539: added ")
    assert lines[2].startswith("1 lookup waiting")

    # A new process, a new Library: the queue is on disk.
    listed = subprocess.run(
        [sys.executable, "-m", "papersift", "--library", str(library_path), "add", "--queue"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ,
    )
    assert listed.returncode == 0
    assert "waiting  arXiv:1706.03762v7" in listed.stdout
    assert "no answer within 0.3 s" in listed.stdout

    env.arxiv_mode = "ok"
    status, lines = add(library_path, "--retry", capsys=capsys)
    assert status == 0
    assert lines == [lines[0]] and lines[0].startswith("arXiv:1706.03762v7: added ")
    assert read_queue(library_path).waiting == []
    assert "Attention Is All You Need" in {p.title for p in Library(library_path).papers.values()}


def test_with_no_answer_the_other_lookups_of_a_service_wait_without_asking(
    server: Services, lookup_for, library_path: Path
):
    server.doi_mode = "slow"
    server.slow_seconds = 1.5
    library = Library(library_path)
    started = time.monotonic()
    report = lookup_for(library_path, timeout=0.3).add(
        library, "10.1038/nature14539 10.5555/hostile 10.1234/third 1706.03762"
    )
    assert time.monotonic() - started < 1.2  # one timeout, not three
    assert [o.result for o in report.outcomes] == ["queued", "queued", "queued", "added"]
    assert len([r for r in server.requests if r.startswith("/doi/")]) == 1
    assert "not asked again" not in report.outcomes[0].detail
    assert "not asked again" in report.outcomes[1].detail
    assert report.waiting == 3
    server.doi_mode = "ok"  # the next round asks each again
    retried = lookup_for(library_path).retry(library)
    assert [o.result for o in retried.outcomes] == ["added", "added", "failed"]


def test_a_503_waits_and_a_later_404_is_parked_not_retried(
    server: Services, lookup_for, library_path: Path
):
    library = Library(library_path)
    lookup = lookup_for(library_path)
    server.doi_mode = "503"
    report = lookup.add(library, "10.1234/gone")
    assert report.outcomes[0].result == "queued" and "HTTP 503" in report.outcomes[0].detail
    retried = lookup.retry(library)
    assert retried.outcomes[0].result == "queued"
    assert read_queue(library_path).waiting[0].attempts == 2
    server.doi_mode = "ok"  # now the resolver says the DOI does not exist
    final = lookup.retry(library)
    assert final.outcomes[0].result == "failed"
    assert "no such DOI" in final.outcomes[0].detail
    state = read_queue(library_path)
    assert state.waiting == [] and [f.key for f in state.failed] == ["doi:10.1234/gone"]
    before = len(server.requests)
    assert lookup.retry(library).outcomes == []  # parked: never asked again
    assert len(server.requests) == before
    assert lookup.clear_failed(library) == 1
    assert read_queue(library_path).failed == []
    server.doi_mode = "503"
    lookup.add(library, "10.1234/late")
    server.doi_mode = "ok"
    lookup.retry(library)
    assert [f.key for f in read_queue(library_path).failed] == ["doi:10.1234/late"]
    server.dois["10.1234/late"] = server.dois["10.5555/hostile"]  # registered at last
    assert lookup.add(library, "10.1234/late").outcomes[0].result in ("added", "merged")
    assert read_queue(library_path).failed == []


def test_a_broken_queue_file_is_named_and_never_overwritten(
    server: Services, lookup_for, library_path: Path
):
    library = Library(library_path)
    (library_path / FILE_NAME).write_text("{not json")
    server.arxiv_mode = "503"
    with pytest.raises(Exception, match="lookup-queue.json: cannot read the lookup queue"):
        lookup_for(library_path).add(library, "1706.03762")
    assert (library_path / FILE_NAME).read_text() == "{not json"


# ---------------------------------------------------------------------- permanent failures


@pytest.mark.parametrize("mode", ["malformed", "doctype", "404"])
def test_a_bad_arxiv_answer_names_the_ids_and_leaves_the_library_as_it_was(
    env: Services, sample_library: Library, capsys, mode: str
):
    sample_library.close()
    path = sample_library.path
    before = snapshot(path)
    env.arxiv_mode = mode
    status, lines = add(path, "2403.04652", "arXiv:1706.03762v7", capsys=capsys)
    assert status == 1
    assert lines[0].startswith("2403.04652: failed: arXiv: ")
    assert lines[1].startswith("arXiv:1706.03762v7: failed: arXiv: ")
    assert snapshot(path) == before


def test_unknown_ids_and_junk_fail_by_name(env: Services, sample_library: Library, capsys):
    path = sample_library.path
    before = snapshot(path)
    status, lines = add(path, "2401.99999", "10.1234/nope", "hello", capsys=capsys)
    assert status == 1
    assert lines == [
        "hello: failed: not an arXiv id or a DOI",
        "2401.99999: failed: arXiv has no paper with this id",
        "10.1234/nope: failed: doi.org: no such DOI (HTTP 404 Not Found)",
    ]
    assert snapshot(path) == before


# ---------------------------------------------------------------------- dedupe, versions


def test_a_paper_already_in_the_library_merges(env: Services, sample_library: Library, capsys):
    path = sample_library.path
    (yi_id,) = [p.id for p in sample_library.papers.values() if p.title.startswith("Yi: Open")]
    count = len(sample_library.papers)
    status, lines = add(path, "https://arxiv.org/abs/2403.04652", capsys=capsys)
    assert status == 0
    assert lines == [
        f"https://arxiv.org/abs/2403.04652: merged into {yi_id} “Yi: Open Foundation Models "
        "by 01.AI” (+authors, +year, +venue, +arXiv id, +URL)"
    ]
    library = Library(path)
    assert len(library.papers) == count
    yi = library.papers[yi_id]
    assert (yi.arxiv, yi.year, yi.authors[1]) == ("2403.04652", 2024, "Alex Young")


def test_a_newer_arxiv_version_updates_and_an_older_one_does_not(
    server: Services, lookup_for, library_path: Path
):
    library = Library(library_path)
    lookup = lookup_for(library_path)
    server.use_version_one()
    (first,) = lookup.add(library, "1706.03762").outcomes
    assert first.result == "added"
    assert "41.0" in library.papers[first.paper_id].abstract

    server.use_latest()
    (second,) = lookup.add(library, "arXiv:1706.03762v7").outcomes
    assert (second.result, second.paper_id) == ("updated", first.paper_id)
    assert second.detail == "to v7: abstract"
    paper = Library(library_path).papers[first.paper_id]
    assert "41.8" in paper.abstract and "constituency parsing" in paper.abstract
    assert [(s.file, s.index) for s in paper.sources] == [("arXiv", 1), ("arXiv", 7)]

    server.use_version_one()
    (third,) = lookup.add(library, "1706.03762v1", use_cache=False).outcomes
    assert (third.result, third.detail) == ("merged", "nothing new")
    assert "41.8" in Library(library_path).papers[first.paper_id].abstract


def test_hostile_metadata_is_data(env: Services, library_path: Path, capsys):
    status, lines = add(library_path, "10.5555/hostile", capsys=capsys)
    assert status == 0
    text = "\n".join(lines)
    assert not any(c in text for c in "\x1b\x07\x9b\u202e\u202c")
    assert "[bold red]Owned[/]" in text  # shown as typed, never read as markup
    library = Library(library_path)
    (paper,) = library.papers.values()
    assert paper.title.startswith("[bold red]Owned[/] \x1b]52;")  # stored exactly
    assert paper.abstract == "Line one \x1b[31mred\x1b[0m"  # JATS tags dropped
    # User state a record carries is not taken from a lookup.
    assert library.triage_of(paper.id).is_default()


# ---------------------------------------------------------------------- hostile answers

_FEED = recorded("arxiv-three.xml")


def _flipped(data) -> bytes:
    """The recorded feed with a few bytes changed, cut or repeated."""
    raw = bytearray(_FEED)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    end = data.draw(st.integers(0, len(raw)))
    return bytes(raw[:end])


@given(st.binary(max_size=400) | st.builds(_flipped, st.data()))
@settings(max_examples=150, deadline=None)
def test_any_arxiv_answer_is_a_feed_or_a_permanent_error(data: bytes):
    try:
        feed = parse_feed(data)
    except Permanent:
        return
    for entry in feed.entries:
        assert entry.title and entry.arxiv


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.sampled_from(["title", "author", "issued", "DOI", "URL", "abstract", "container-title"]),
        _json_values,
    )
)
@settings(max_examples=150, deadline=None)
def test_any_csl_answer_is_a_record_or_a_permanent_error(item: dict):
    try:
        record = record_from_csl(json.dumps(item).encode(), "10.1000/x")
    except Permanent:
        return
    assert record.title and record.doi and record.triage is None


def test_deeply_nested_answers_do_not_crash():
    deep = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>' + b"<b>" * 50000
    deep += b"x" + b"</b>" * 50000 + b"</title></entry></feed>"
    assert parse_feed(deep).entries == []  # no id: not a paper
    with pytest.raises(Permanent, match="nested too deeply"):
        record_from_csl(b"[" * 100000 + b"]" * 100000, "10.1000/x")


def test_an_add_refreshes_the_auto_exports_and_reading_the_queue_does_not(
    env: Services, library_path: Path, capsys, tmp_path: Path
):
    out = tmp_path / "papers.bib"
    add(library_path, "10.1038/nature14539", capsys=capsys)
    assert main(["--library", str(library_path), "export", "-o", str(out), "--keep-updated"]) == 0
    first = out.read_text()
    assert "Deep learning" in first and "Attention" not in first
    status, _ = add(library_path, "1706.03762", capsys=capsys)
    assert status == 0
    assert "Attention Is All You Need" in out.read_text()
    before = out.stat().st_mtime_ns
    add(library_path, "--queue", capsys=capsys)
    add(library_path, "1706.03762", capsys=capsys)  # nothing new: nothing to rewrite
    assert out.stat().st_mtime_ns == before
