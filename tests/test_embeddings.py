"""The NumPy sentence encoder (all-MiniLM-L6-v2), vector storage and cosine ranking.

Tests that run the model skip with ``missing_reason()`` when its packages or files are absent,
except when ``PEACEOPS_REQUIRE_EMBEDDINGS=1``, where they fail. Storage and ranking need no
model.

Golden values (``test_published_similarity_matrix``, ``test_published_embedding_prefix``):

- the similarity matrix of "The weather is lovely today." / "It's so sunny outside!" /
  "He drove to the stadium." is the one printed, to four decimals, in the quick-start of the
  sentence-transformers README and documentation for ``all-MiniLM-L6-v2``;
- the first six values of the vector of "This is an example sentence" (and the other three
  rows) are those that third-party ports check themselves against sentence-transformers (an R
  ``sbert`` package's integration test; the first values also appear in a Spark NLP example's
  output); the word-piece ids are the BERT uncased vocabulary's and appear in the same test.

The remaining semantic tests check qualitative properties on hand-written sentences from the
field (a paraphrase is closer than an unrelated sentence; each query finds its passage); their
thresholds are not published numbers.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from peaceops.analytics.knowledge.embeddings import (
    DIMENSIONS,
    MAX_TOKENS,
    Encoder,
    cosine_top_k,
    load_encoder,
    missing_reason,
    pack,
    unpack,
)
from peaceops.errors import ConfigError

REQUIRE = os.environ.get("PEACEOPS_REQUIRE_EMBEDDINGS") == "1"


def _model_or_skip() -> None:
    reason = missing_reason()
    if reason is not None:
        if REQUIRE:
            pytest.fail(f"{reason} (PEACEOPS_REQUIRE_EMBEDDINGS=1 requires the model)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    _model_or_skip()
    return Encoder()


@pytest.fixture(scope="module")
def model_dir(encoder: Encoder) -> Path:
    return encoder.model_dir


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240607)


def _words(n: int, *, seed: int = 0) -> str:
    vocabulary = [
        *("mission", "police", "court", "prison", "election", "ceasefire", "patrol", "village"),
        *("district", "militia", "reform", "training", "vetting", "judge", "detention"),
        *("displaced", "returnees", "council", "mandate", "report", "budget", "donors"),
        *("rights", "violence", "community", "border", "checkpoint", "observers", "commander"),
    ]
    pick = np.random.default_rng(seed).integers(0, len(vocabulary), size=n)
    return " ".join(vocabulary[i] for i in pick)


# -- the encoder's contract ------------------------------------------------------------------


def test_shape_dtype_and_unit_rows(encoder: Encoder) -> None:
    vectors = encoder.encode(["Patrols resumed in the north.", "", "Courts reopened."])
    assert encoder.dimensions == DIMENSIONS == 384
    assert encoder.name == "all-MiniLM-L6-v2"
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_no_rows(encoder: Encoder) -> None:
    vectors = encoder.encode([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_one_string_is_refused(encoder: Encoder) -> None:
    with pytest.raises(TypeError, match="sequence of texts"):
        encoder.encode("Police vetting continued")
    with pytest.raises(TypeError, match="strings"):
        encoder.encode(["Police vetting continued", None])  # type: ignore[list-item]


def test_deterministic(encoder: Encoder) -> None:
    texts = [_words(40, seed=i) for i in range(12)]
    np.testing.assert_array_equal(encoder.encode(texts), encoder.encode(texts))


def test_batch_size_does_not_change_vectors(encoder: Encoder, model_dir: Path) -> None:
    texts = [_words(n, seed=n) for n in (3, 80, 17, 150, 1, 42, 9, 300, 60, 5)]
    one_by_one = Encoder(model_dir, batch_size=1).encode(texts)
    together = Encoder(model_dir, batch_size=32).encode(texts)
    np.testing.assert_allclose(one_by_one, together, atol=1e-5)


def test_order_kept_with_mixed_lengths(encoder: Encoder) -> None:
    # Long and short texts interleaved: the encoder sorts them by length into batches and
    # must put each vector back in its text's place.
    lengths = [120, 2, 35, 200, 7, 64, 1, 90, 15, 250, 3, 48]
    texts = [_words(n, seed=i) for i, n in enumerate(lengths)]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    # Distinct texts, distinct vectors: a row in the wrong place would be caught above.
    assert np.all(np.abs(together @ together.T - np.eye(len(texts))).max(axis=1) < 0.9999)


def test_long_text_is_cut_at_256_word_pieces(encoder: Encoder) -> None:
    long_text = _words(2_000, seed=7)
    assert encoder.max_tokens == MAX_TOKENS == 256
    assert [len(ids) for ids in encoder.token_ids([long_text, "Short."])] == [256, 4]
    longer = encoder.encode([long_text, long_text + " " + _words(500, seed=8)])
    assert np.all(np.isfinite(longer))
    # Everything past the 254th word piece is cut, so what follows changes nothing.
    np.testing.assert_allclose(longer[0], longer[1], atol=1e-6)


def test_max_tokens_option(model_dir: Path) -> None:
    short = Encoder(model_dir, max_tokens=16)
    assert len(short.token_ids([_words(100)])[0]) == 16
    with pytest.raises(ValueError, match="max_tokens"):
        Encoder(model_dir, max_tokens=1_000)


def test_progress_counts_every_text(model_dir: Path) -> None:
    calls: list[int] = []
    encoder = Encoder(model_dir, batch_size=4)
    encoder.encode([_words(n, seed=n) for n in range(1, 12)], progress=calls.append)
    assert sum(calls) == 11
    assert all(1 <= c <= 4 for c in calls)


def test_blas_threads_restored(encoder: Encoder) -> None:
    # Encodings hold BLAS to one thread while they run; several at once must not leave it so.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [pool["num_threads"] for pool in threadpoolctl.threadpool_info()]
    texts = [_words(30, seed=i) for i in range(10)]
    expected = encoder.encode(texts)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(encoder.encode, [texts, texts[:1], texts, texts[3:4], texts]))
    assert [pool["num_threads"] for pool in threadpoolctl.threadpool_info()] == before
    np.testing.assert_allclose(results[2], expected, atol=1e-5)
    np.testing.assert_allclose(results[3], expected[3:4], atol=1e-5)


# -- golden values ---------------------------------------------------------------------------


def test_published_similarity_matrix(encoder: Encoder) -> None:
    """sentence-transformers README / docs quick-start, all-MiniLM-L6-v2, four decimals."""
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    published = np.array(
        [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]
    )
    np.testing.assert_allclose(vectors @ vectors.T, published, atol=1e-4)


def test_published_embedding_prefix(encoder: Encoder) -> None:
    """Values third-party ports check against sentence-transformers (see the module docstring)."""
    texts = [
        "This is an example sentence",
        "Each sentence is converted.",
        "",
        "Café déjà vu — 東京",
    ]
    assert [ids.tolist() for ids in encoder.token_ids(texts)] == [
        [101, 2023, 2003, 2019, 2742, 6251, 102],
        [101, 2169, 6251, 2003, 4991, 1012, 102],
        [101, 102],
        [101, 7668, 2139, 3900, 24728, 1517, 1879, 1755, 102],
    ]
    expected = np.array(
        [
            [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273],
            [0.07853645, 0.08856265, -0.00209270, -0.00717247, -0.01252624, 0.01881747],
            [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.05195070, 0.01029179],
            [0.05083271, 0.00967685, 0.09635572, -0.00997369, -0.01987603, 0.01692343],
        ]
    )
    np.testing.assert_allclose(encoder.encode(texts)[:, :6], expected, atol=1e-5)


# -- meaning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "paraphrase", "unrelated"),
    [
        (
            "The national police recruited and vetted new officers",
            "Police vetting and recruitment continued",
            "The harvest failed because of drought",
        ),
        (
            "Former combatants handed in their weapons at the cantonment site",
            "Ex-fighters were disarmed and demobilised",
            "The electoral commission printed ballot papers",
        ),
        (
            "Detainees were held for months without seeing a judge",
            "Prolonged pre-trial detention remains a concern",
            "A new bridge opened to traffic over the river",
        ),
        (
            "Armed men attacked the village and burned houses",
            "An armed group raided the settlement and set homes on fire",
            "The ministry adopted a new curriculum for primary schools",
        ),
    ],
)
def test_paraphrase_closer_than_unrelated(
    encoder: Encoder, anchor: str, paraphrase: str, unrelated: str
) -> None:
    a, p, u = encoder.encode([anchor, paraphrase, unrelated])
    assert float(a @ p) > float(a @ u) + 0.2


PASSAGES = [
    "The national police recruited and vetted 500 new officers, including 120 women.",
    "Magistrates returned to the district courts, which had been closed since the fighting.",
    "Former combatants handed in weapons and received reintegration support and training.",
    "Voter registration was completed ahead of the presidential and legislative elections.",
    "The prison was overcrowded and detainees lacked food, water and medical care.",
    "Drought destroyed the harvest and food prices in the markets doubled.",
    "A cholera outbreak spread through the camps for displaced people.",
    "Deminers cleared landmines and unexploded ordnance from farmland near the border.",
    "Survivors of sexual violence received medical and psychosocial support.",
    "The ceasefire was violated when armed groups shelled positions along the front line.",
]
QUERIES = [
    ("police recruitment and vetting", 0),
    ("judges back in the courts", 1),
    ("disarmament, demobilisation and reintegration of ex-fighters", 2),
    ("registering voters for the elections", 3),
    ("conditions of detention in prisons", 4),
    ("crop failure and food insecurity", 5),
    ("disease epidemic among internally displaced persons", 6),
    ("removing landmines from fields", 7),
    ("help for victims of rape", 8),
    ("breach of the truce", 9),
]


def test_each_query_finds_its_passage(encoder: Encoder) -> None:
    matrix = encoder.encode(PASSAGES)
    queries = encoder.encode([q for q, _ in QUERIES])
    found = [int(cosine_top_k(q, matrix, 1)[0][0]) for q in queries]
    assert found == [expected for _, expected in QUERIES]


# -- loading ---------------------------------------------------------------------------------


def test_missing_folder_gives_none_and_a_reason(tmp_path: Path) -> None:
    reason = missing_reason(tmp_path)
    assert reason is not None
    assert "pip install" in reason
    assert load_encoder(tmp_path) is None
    with pytest.raises(ConfigError):
        Encoder(tmp_path)


@pytest.mark.parametrize("package", ["tokenizers", "safetensors"])
def test_missing_package_named(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    for other in {"tokenizers", "safetensors"} - {package}:
        pytest.importorskip(other)
    monkeypatch.setitem(sys.modules, package, None)  # makes the import fail
    reason = missing_reason()
    assert reason is not None
    assert f"'{package}'" in reason
    assert "peaceops[embeddings]" in reason
    assert load_encoder() is None


def test_bert_prefixed_weights_give_the_same_vectors(
    encoder: Encoder, model_dir: Path, tmp_path: Path
) -> None:
    from safetensors.numpy import load_file, save_file

    for name in ("config.json", "tokenizer.json"):
        shutil.copy(model_dir / name, tmp_path / name)
    weights = load_file(str(model_dir / "model.safetensors"))
    save_file({f"bert.{k}": v for k, v in weights.items()}, str(tmp_path / "model.safetensors"))
    texts = ["Police vetting continued", "The harvest failed because of drought"]
    np.testing.assert_allclose(Encoder(tmp_path).encode(texts), encoder.encode(texts), atol=1e-6)


def test_other_architectures_refused(model_dir: Path, tmp_path: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    config["hidden_act"] = "relu"
    (tmp_path / "config.json").write_text(json.dumps(config))
    for name in ("tokenizer.json", "model.safetensors"):
        (tmp_path / name).symlink_to(model_dir / name)
    with pytest.raises(ConfigError, match="hidden_act"):
        Encoder(tmp_path)


# -- storage ---------------------------------------------------------------------------------


def test_pack_layout() -> None:
    assert pack(np.array([1.0, -2.0], dtype=np.float32)) == b"\x00\x3c\x00\xc0"
    assert len(pack(np.zeros((5, DIMENSIONS), dtype=np.float32))) == 5 * 384 * 2


@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(0, 6), st.just(DIMENSIONS)),
        elements=st.floats(-1.0, 1.0, width=32),
    )
)
def test_pack_unpack_round_trip(vectors: np.ndarray) -> None:
    back = unpack(pack(vectors))
    assert back.dtype == np.float32
    assert back.shape == vectors.shape
    # float16 keeps 11 significant bits; below its smallest normal, steps of 2**-24.
    np.testing.assert_allclose(back, vectors, rtol=2.0**-11, atol=2.0**-24)
    rows = unpack([pack(row) for row in vectors]) if len(vectors) else back
    np.testing.assert_array_equal(rows, back)


def test_unpack_refuses_partial_vectors() -> None:
    with pytest.raises(ValueError, match="not whole"):
        unpack(b"\x00" * 10, dimensions=384)


def test_pack_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        pack(np.array([1.0, np.nan], dtype=np.float32))
    with pytest.raises(ValueError, match="65504"):
        pack(np.array([1.0, 1e6], dtype=np.float32))


# -- ranking ---------------------------------------------------------------------------------


def _naive_top_k(query: np.ndarray, matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = np.array(
        [float(row @ query) / (np.linalg.norm(row) * np.linalg.norm(query)) for row in matrix]
    )
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return np.array(order, dtype=np.int64), scores[order]


@pytest.mark.parametrize("k", [1, 5, 37, 500, 800])
def test_top_k_matches_a_full_sort(rng: np.random.Generator, k: int) -> None:
    matrix = rng.standard_normal((500, 24)).astype(np.float32)
    query = rng.standard_normal(24).astype(np.float32)
    rows, scores = cosine_top_k(query, matrix, k)
    expected_rows, expected_scores = _naive_top_k(query, matrix, k)
    np.testing.assert_array_equal(rows, expected_rows)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-5)
    assert rows.dtype == np.int64
    assert scores.dtype == np.float32


def test_top_k_ties_go_to_the_lower_row() -> None:
    matrix = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [2.0, 0.0], [0.0, 3.0]])
    rows, _ = cosine_top_k([1.0, 0.0], matrix, 1)
    assert rows.tolist() == [1]
    rows, _ = cosine_top_k([0.0, 1.0], matrix, 2)
    assert rows.tolist() == [0, 2]


def test_top_k_edge_cases() -> None:
    matrix = np.eye(3, dtype=np.float32)
    rows, scores = cosine_top_k([1.0, 0.0, 0.0], matrix, 0)
    assert rows.size == 0 and scores.size == 0
    rows, scores = cosine_top_k([0.0, 0.0, 0.0], matrix, 2)  # a zero query scores 0
    assert rows.tolist() == [0, 1] and scores.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="one vector"):
        cosine_top_k(matrix, matrix, 1)
    with pytest.raises(ValueError, match="dimensions"):
        cosine_top_k([1.0, 0.0], matrix, 1)
