"""A sharded index on a real Dask cluster (scheduler and worker processes on loopback):
exactly one index's answers, atomic rebuilds, and no partial answer when a shard fails."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading

import pytest

distributed = pytest.importorskip("distributed")

from search import Index, QueryError, SearchError, UnknownSourceError  # noqa: E402
from search import cluster  # noqa: E402
from search.cli import main  # noqa: E402
from search.shards import shard_of  # noqa: E402

from conftest import write_corpus  # noqa: E402

QUERIES = ["الكتاب", "الدفاع", "وزارة الدفاع", '"وزارة الدفاع"', "سور*", "موسكو OR واشنطن",
           "سوريا -روسيا", "الله", "الرئيس الروسي", "كلمةغيرموجودة"]
#: Queries for matching that relaxes: each step answers one of them on one index
#: (``test_every_step_is_exercised``), related forms and question readings included.
RELAXING = ["وزارة الدفاع", "الضربات تقدمها", "الضربات الجوية تركيا", "أمريكا",
            "ما معنى الدفاع في سوريا", "الدفاع كلمةغيرموجودة", "سوريا -روسيا القوات",
            '"وزارة الدفاع" الروسية', "سور* الدفاع"]
#: Search options that reorder, collapse and narrow; each compared with every match.
OPTIONS = [{}, {"sort": "order"}, {"collapse": True}, {"folders": ["news"]},
           {"folders": ["relax", "edge"], "collapse": True, "sort": "order"},
           {"page": 2, "per_page": 2}, {"collapse": True, "page": 2, "per_page": 1},
           {"facet_limit": 1, "per_page": 3}]


@pytest.fixture(scope="module")
def dask_cluster():
    cluster_ = distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                        dashboard_address=":0", silence_logs=50)
    client = distributed.Client(cluster_, set_as_default=False)
    yield cluster_, client
    client.close()
    cluster_.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, sample_corpus, edge_corpus):
    """The sample and edge corpora and a file whose words straddle a passage break
    (``relax/``), as one folder."""
    folder = tmp_path_factory.mktemp("cluster") / "corpus"
    shutil.copytree(sample_corpus, folder / "news")
    shutil.copytree(edge_corpus, folder / "edge")
    write_corpus(folder / "relax", {
        "ministry.txt": "أعلنت وزارة الدفاع الروسية أمس عن الضربات الجوية في سوريا "
                        + " ".join(["وصف الحال في المدينة"] * 20) + ".\n\nواصلت القوات تقدمها "
                        + " ".join(["ووصف الناس للحال"] * 22) + ".",
        "border.txt": "قصفت الطائرات مواقع قرب الحدود مع تركيا",
        "usa.txt": "قال المسؤول الأمريكي إن الإدارة الأميركية تدرس الأمر",
    })
    return folder


@pytest.fixture(scope="module")
def indexes(corpus, dask_cluster, tmp_path_factory):
    """(one index, the same corpus in 3 shards on the cluster, opened)."""
    cluster_, client = dask_cluster
    where = tmp_path_factory.mktemp("indexes")
    single = Index.build(corpus, where / "one")
    cluster.build(corpus, where / "sharded", 3, cluster_.scheduler_address, client=client)
    sharded = cluster.ClusterIndex(where / "sharded", cluster_.scheduler_address, client=client)
    return single, sharded


def _same(a, b):
    """The same answer, but for timing and did-you-mean suggestions (none on a
    cluster)."""
    a, b = a.to_dict(), b.to_dict()
    for answer in (a, b):
        answer.pop("took_ms")
        answer.pop("suggestion")
        answer.pop("suggestion_partial", None)  # the suggestion's time budget
    return a == b


def test_files_are_spread_over_the_shards_by_name(indexes):
    _single, sharded = indexes
    files = sharded.manifest["files"]
    assert {number for number in files.values()} == {0, 1, 2}
    assert all(shard_of(source, 3) == number for source, number in files.items())


@pytest.mark.parametrize("query", QUERIES)
def test_sharded_search_is_exactly_one_index_search(indexes, query):
    single, sharded = indexes
    assert _same(single.search(query, match="all"), sharded.search(query, match="all"))


@pytest.mark.parametrize("match", ["auto", "all", "any"])
@pytest.mark.parametrize("query", RELAXING)
def test_matching_that_relaxes_is_exactly_one_index(indexes, query, match):
    single, sharded = indexes
    expected = single.search(query, match=match)
    assert expected.corrected is None  # a cluster makes no correction to search
    assert _same(expected, sharded.search(query, match=match))


def test_every_step_is_exercised(indexes):
    """The queries above reach each step, related forms and the question reading on
    one index, so the comparisons cover them."""
    single, _sharded = indexes
    results = [single.search(query) for query in RELAXING]
    for step in ("phrase", "all", "neighbours", "most"):
        assert any(result.step_totals[step] for result in results), step
    assert any(result.related for result in results)
    assert any(result.missing for result in results)


def test_a_neighbour_pair_is_one_hit_from_one_shard(indexes):
    single, sharded = indexes
    pair = sharded.search("الضربات تقدمها", per_page=50)
    assert pair.step_totals["neighbours"] and not any(
        h.source == "relax/ministry.txt" for h in single.search("الضربات تقدمها", match="all").hits)
    hit = next(h for h in pair.hits if h.source == "relax/ministry.txt")
    assert hit.step == "neighbours" and not hit.missing
    assert "الضربات" in hit.text and "تقدمها" in hit.text
    # A file's passages all live in its shard, so a pair never straddles two shards.
    document = sharded.document(hit.source)
    assert [p.number for p in document.passages] == list(range(1, document.total + 1))


@pytest.mark.parametrize("match", ["auto", "all", "any"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda options: repr(options))
def test_order_collapse_folders_and_pages_are_exactly_one_index(indexes, options, match):
    single, sharded = indexes
    for query in ("الدفاع", "الدفاع سوريا", "الضربات تقدمها"):
        expected = single.search(query, match=match, **options)
        assert _same(expected, sharded.search(query, match=match, **options)), (query, options)


def test_pages_per_page_facet_limits_and_source_filters_are_exact(indexes):
    single, sharded = indexes
    source = single.search("الدفاع", match="all").facets[0].value
    for kwargs in ({"page": 2, "per_page": 2}, {"page": 9, "per_page": 3},
                   {"facet_limit": 1}, {"sources": [source]}, {"per_page": 1},
                   {"sources": [source], "folders": ["edge"]},
                   {"sources": [source], "collapse": True, "sort": "order"}):
        for match in ("auto", "all"):
            assert _same(single.search("الدفاع", **kwargs, match=match),
                         sharded.search("الدفاع", **kwargs, match=match)), kwargs


def test_bad_queries_fail_as_on_one_index(indexes):
    single, sharded = indexes
    assert _same(single.search("في", match="all"), sharded.search("في", match="all"))
    with pytest.raises(QueryError):
        sharded.search('سوريا -', match="all")
    with pytest.raises(UnknownSourceError):
        sharded.search("الدفاع", sources=["nowhere.txt"])


def test_what_a_cluster_cannot_answer_it_refuses_by_name(indexes):
    _single, sharded = indexes
    with pytest.raises(SearchError) as refused:
        sharded.search("الدفاع", by="root")
    assert refused.value.code == "cluster_unsupported"
    assert "by=root" in str(refused.value)


@pytest.mark.parametrize("query, exact", [("الأسد", "hamza"), ("الاسد", "hamza"),
                                          ("وزارة الدفاع", "ta_marbuta,form"),
                                          ("الدِّفَاعِ", ""), ("الدِّفَاعِ", "diacritics")])
def test_exact_options_and_marks_are_exactly_one_index(indexes, query, exact):
    single, sharded = indexes
    one, shards = single.search(query, exact=exact), sharded.search(query, exact=exact)
    assert one.total > 0 and _same(one, shards)
    assert shards.exact == one.exact
    if query == "الأسد":  # the sample corpus also writes الاسد: hamza narrows
        assert one.total < single.search(query).total


def test_documents_and_completions_come_from_the_shards(indexes):
    single, sharded = indexes
    source = single.search("الدفاع", match="all").hits[0].source
    assert sharded.document(source, "الدفاع") == single.document(source, "الدفاع")
    assert set(sharded.complete("الدف")) <= set(single.complete("الدف", limit=50))


def test_update_and_rebuild_switch_every_shard_at_once(corpus, dask_cluster, tmp_path):
    cluster_, client = dask_cluster
    folder = tmp_path / "corpus"
    shutil.copytree(corpus, folder)
    index_dir = tmp_path / "sharded"
    cluster.build(folder, index_dir, 2, cluster_.scheduler_address, client=client)
    sharded = cluster.ClusterIndex(index_dir, cluster_.scheduler_address, client=client)
    before = sharded.search("الدفاع").total
    write_corpus(folder, {"new.txt": "وزارة الدفاع تعلن\n\nالدفاع المدني"})
    report = cluster.build(folder, index_dir, None, cluster_.scheduler_address, update=True,
                           client=client)
    assert report.files == 1 and report.unchanged > 0
    # The open index answers from the manifest it read until it refreshes.
    assert sharded.search("الدفاع").total == before
    assert sharded.refresh()
    single = Index.build(folder, tmp_path / "one")
    after = single.search("الدفاع", match="all").total
    assert after > before and sharded.search("الدفاع").total == after
    assert _same(single.search("الدفاع"), sharded.search("الدفاع"))
    cluster.build(folder, index_dir, 2, cluster_.scheduler_address, client=client)
    assert sharded.refresh() and sharded.search("الدفاع").total == after


def test_an_interrupted_build_leaves_the_published_shards(corpus, dask_cluster, tmp_path):
    cluster_, client = dask_cluster
    index_dir = tmp_path / "sharded"
    cluster.build(corpus, index_dir, 2, cluster_.scheduler_address, client=client)
    manifest = json.loads((index_dir / cluster.MANIFEST).read_text())
    # One shard published a new generation, then the build died before the manifest.
    from search import writer

    writer.build(corpus, cluster.shard_folder(index_dir, 0), shard=(0, 2))
    sharded = cluster.ClusterIndex(index_dir, cluster_.scheduler_address, client=client)
    assert sharded.manifest == manifest and sharded.search("الدفاع").total
    cluster.build(corpus, index_dir, 2, cluster_.scheduler_address, client=client)
    assert sharded.refresh() and sharded.search("الدفاع").total


def test_a_shard_that_cannot_answer_fails_the_search(indexes, tmp_path, dask_cluster):
    cluster_, client = dask_cluster
    _single, sharded = indexes
    broken = tmp_path / "broken"
    shutil.copytree(sharded.index_dir, broken, symlinks=True)
    manifest = json.loads((broken / cluster.MANIFEST).read_text())
    shutil.rmtree(cluster.shard_folder(broken, 1) / manifest["generations"][1])
    index = cluster.ClusterIndex(broken, cluster_.scheduler_address, client=client)
    with pytest.raises(cluster.ClusterError) as caught:
        index.search("الدفاع")
    assert caught.value.code == "cluster_shard_failed" and "a shard failed" in caught.value.english


def test_a_worker_dying_mid_query_is_retried_on_another(indexes, dask_cluster):
    cluster_, client = dask_cluster
    single, sharded = indexes
    expected = single.search("الدفاع")
    pids = client.run(os.getpid)
    victim_address, victim = sorted(pids.items())[0]
    answers, errors = [], []

    def search_many():
        try:
            for _ in range(20):
                answers.append(sharded.search("الدفاع"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=search_many)
    thread.start()
    os.kill(victim, signal.SIGKILL)
    thread.join(120)
    assert not thread.is_alive()
    # Each search answers exactly, or fails saying so: never a partial answer.
    assert all(_same(expected, answer) for answer in answers)
    assert all(isinstance(error, cluster.ClusterError) for error in errors), errors
    assert _same(expected, sharded.search("الدفاع"))
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker


def test_cli_builds_and_searches_on_the_cluster(corpus, dask_cluster, tmp_path):
    from click.testing import CliRunner

    cluster_, _client = dask_cluster
    runner = CliRunner()
    index_dir = str(tmp_path / "sharded")
    address = cluster_.scheduler_address
    built = runner.invoke(main, ["index", str(corpus), "--index", index_dir, "--shards", "2",
                                 "--cluster", address])
    assert built.exit_code == 0, built.output
    found = runner.invoke(main, ["search", "الدفاع", "--index", index_dir, "--cluster",
                                 address, "--json"])
    assert found.exit_code == 0, found.output
    single = Index.build(corpus, tmp_path / "one").search("الدفاع").to_dict()
    answer = json.loads(found.output)
    assert answer["total"] == single["total"]
    assert [h["id"] for h in answer["hits"]] == [h["id"] for h in single["hits"]]
    refused = runner.invoke(main, ["index", str(corpus), "--index", index_dir, "--shards", "2"])
    assert refused.exit_code != 0 and "--cluster" in refused.output


def test_the_site_answers_from_the_cluster_as_from_one_index(indexes, dask_cluster):
    from web import create_app

    single, sharded = indexes
    cluster_, _client = dask_cluster
    pages = {}
    for name, config in (("one", {}), ("sharded", {"CLUSTER": cluster_.scheduler_address})):
        index_dir = single.index_dir if name == "one" else sharded.index_dir
        app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), **config})
        with app.test_client() as client:
            answers = [client.get("/api/search", query_string=query).get_json()
                       for query in ({"q": "الضربات تقدمها"}, {"q": "الدفاع", "sort": "order"},
                                     {"q": "الدفاع سوريا", "collapse": "1", "folder": "news"},
                                     {"q": "ما معنى الدفاع", "match": "any"})]
            html = client.get("/", query_string={"q": "الدفاع"})
            assert html.status_code == 200
        for answer in answers:
            assert answer["ok"] is True
            answer.pop("took_ms")
            answer.pop("suggestion", None)
            answer.pop("suggestion_partial", None)
        pages[name] = answers
    assert pages["one"] == pages["sharded"]
    neighbours, ordered, collapsed, question = pages["sharded"]
    assert any(hit["step"] == "neighbours" for hit in neighbours["hits"])
    assert ordered["sort"] == "order" and collapsed["collapsed_total"] and question["match"]["strategy"] == "any"
