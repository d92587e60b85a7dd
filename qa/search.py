"""Hybrid retrieval: dense (FAISS) and lexical (jieba + BM25) channels, at clause and at sentence level.

Fusion, documented here because the numbers in eval/ depend on it:

0. The question is expanded with the documents' terms for its colloquial words (qa/data/synonyms.tsv:
   网课 -> 在线课程, 老师 -> 教师, …).
1. Four channels each score clauses (sentence channels are absent when the index has no sentence vectors):
   - dense-clause:   cosine between the query vector and the clause vector,
   - dense-sentence: the best cosine of any sentence inside the clause,
   - bm25-clause:    BM25 of the query terms (question words such as 可以/什么 dropped, see lexical_query)
                     over the clause (doc title + heading path + text),
   - bm25-sentence:  the best BM25 of any sentence inside the clause.
   Sentence channels let a long clause win on the one sentence that answers.
2. Z-score fusion (FUSION = "zscore", the default): each channel's scores over its DEPTH best clauses are
   standardised (minus mean, over standard deviation) and summed with WEIGHTS; a clause a channel does not
   rank gets that channel's lowest z (MISSING). A channel that is absent (no sentence vectors on a large
   collection) leaves its weight to the other channel of its family (channel_weights). Unlike reciprocal
   rank fusion (FUSION = "rrf": sum of weight / (RRF_K + rank)), it keeps how far ahead a channel's best clause is. Method and weights were chosen on the tune and
   dev splits by eval/tune_fusion.py (z-score beat RRF at every k tried; its cross-validated check found
   equal weights as good, see eval/RESULTS.md).
3. Re-ranking (mode "hybrid"; mode "fusion" stops after step 2): the RERANK_DEPTH best fused clauses are
   ordered by a linear model over the channels' z-scores and features of the question and clause (title and
   heading match, quantities, places and levels, document specificity): qa/ranking.py, weights fitted with
   5-fold cross-validation by eval/learn_ranking.py.
4. Inside each returned clause, sentences are ranked by the fitted sentence model (qa/highlight.py: dense
   cosine, BM25 against the query's best and the clause's best, topic words, quantities for a number
   question, position, length); the best one is the highlight.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from . import highlight, ranking
from .index import Index, _jieba, tokenize

FUSION = "zscore"  # "rrf": reciprocal rank fusion; "zscore": weighted sum of per-channel z-scores
RRF_K = 60
DEPTH = 200  # candidates each channel contributes on a large corpus
CANDIDATES = 1000  # units (clauses, sentences) each channel scores before taking its best DEPTH clauses
WEIGHTS = {"dense_clause": 0.25, "dense_sentence": 0.5, "bm25_clause": 0.25, "bm25_sentence": 0.25}  # eval/tune_fusion.py
MODES = ("hybrid", "fusion", "dense", "bm25")  # fusion: hybrid without the re-ranking


@lru_cache(maxsize=1)
def synonyms() -> dict[str, list[str]]:
    """Colloquial term -> the documents' terms (qa/data/synonyms.tsv)."""
    text = resources.files("qa").joinpath("data", "synonyms.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {row[0]: row[1].split() for row in rows}


@lru_cache(maxsize=1)
def _colloquial_terms() -> list[str]:
    return sorted(synonyms(), key=len, reverse=True)  # longest first: "兼职老师" before "老师"


def _split_colloquial(question: str) -> tuple[str, list[str]]:
    """The question without its colloquial words, and the documents' terms for them."""
    extra: list[str] = []
    rest = question
    for term in _colloquial_terms():
        if term in rest:
            rest = rest.replace(term, " ")
            extra.extend(t for t in synonyms()[term] if t not in question and t not in extra)
    return rest, extra


def expand_query(question: str) -> str:
    """Append the documents' terms for the colloquial words a question uses ("网课" -> "在线课程")."""
    _, extra = _split_colloquial(question)
    return f"{question} {' '.join(extra)}" if extra else question


# Words that carry no topic: question words and everyday function words (content words are 2+ characters).
QUESTION_WORDS = set(
    "什么 怎么 怎样 如何 多少 哪些 哪个 哪里 是否 可以 不能 能不能 能否 有没有 是不是 需要 应该 一下 还是 这个 那个 时候 "
    "怎么样 为什么 什么样 要求 规定 情况 问题 有关 相关 主要 内容 我们 你们 他们 现在 以后 说到底 到底 "
    "可不可以 要不要 会不会 算不算 行不行 哪条 哪一条 哪几条 是指 意思 怎么回事 怎么办".split())
_QUESTION_WORDS_LONGEST_FIRST = sorted(QUESTION_WORDS, key=len, reverse=True)  # "能不能" before "不能"


def lexical_query(question: str) -> str:
    """The question without its question words, for BM25: "可以", "什么", "哪些" and their character bigrams
    match the documents' own function words ("可以…", "应当…"), not the topic, and favour long articles."""
    for word in _QUESTION_WORDS_LONGEST_FIRST:
        question = question.replace(word, " ")
    return question


def content_terms(question: str) -> list[str]:
    """The question's topic words in the documents' vocabulary: colloquial words replaced by document terms,
    question words and single characters dropped."""
    rest, extra = _split_colloquial(question)
    terms = tokenize(rest) + [t for term in extra for t in tokenize(term)]
    return [t for t in terms if len(t) >= 2 and not t.startswith("#") and t not in QUESTION_WORDS]


def coverage(question: str, vocabulary: dict) -> float:
    """Share of the question's topic words that occur anywhere in the indexed documents (0 when none)."""
    terms = content_terms(question)
    return sum(t in vocabulary for t in terms) / len(terms) if terms else 0.0


def general_idf(word: str) -> float:
    """log(total / frequency) of a word in jieba's dictionary (a general-language reference); 0 for a word it
    does not know: those are mostly fragments of the segmenter's search mode ("要建"), not topics."""
    dictionary = _jieba().dt
    dictionary.check_initialized()
    freq = dictionary.FREQ.get(word, 0)
    return float(np.log(dictionary.total / freq)) if freq > 0 else 0.0


@dataclass
class SentenceHit:
    index: int  # position in the clause's sentences
    text: str
    score: float


@dataclass
class Hit:
    clause: int  # position in Index.clauses
    score: float
    channels: dict[str, float] = field(default_factory=dict)  # raw per-channel scores, for eval and debugging
    sentences: list[SentenceHit] = field(default_factory=list)  # best first

    @property
    def highlight(self) -> list[str]:
        return [s.text for s in self.sentences[:1]]


# The two families of channels. When a channel is absent (no sentence vectors on a large collection, a
# scoped search with no sentences), its weight goes to the present channels of its family, so each family
# keeps the vote it was tuned with: without this, the weights tuned with four channels leave BM25 two thirds
# of the vote over ~70,000 articles, and the hybrid falls below its own dense channel (issue 12).
FAMILIES = ranking.FAMILIES
RENORMALISE = True
# What a clause outside a channel's DEPTH best gets from that channel: "floor", the channel's lowest z (it
# scored no better there than the last candidate), or "zero", the mean z, which ranked such a clause above
# the channel's own lower half. "floor" was ahead on the tune half of the law questions at both index sizes
# and identical on the bundled tune/dev splits (eval/RESULTS.md, law scale).
MISSING = "floor"


def channel_weights(present: list[str]) -> dict[str, float]:
    """WEIGHTS of the channels present, each family's total weight shared among its present channels in
    proportion to their own weights (equally if those are all zero)."""
    if not RENORMALISE:
        return {name: WEIGHTS[name] for name in present}
    out: dict[str, float] = {}
    for family in {FAMILIES[name] for name in present}:
        total = sum(w for name, w in WEIGHTS.items() if FAMILIES[name] == family)
        members = [name for name in present if FAMILIES[name] == family]
        own = sum(WEIGHTS[name] for name in members)
        for name in members:
            out[name] = total * (WEIGHTS[name] / own if own else 1 / len(members))
    return out


def fuse(channels: dict[str, dict[int, float]]) -> dict[int, float]:
    """Combine the channels' clause scores (see the module docstring for the method in use)."""
    fused: dict[int, float] = defaultdict(float)
    weights = channel_weights([name for name, scores in channels.items() if scores])
    if FUSION == "rrf":
        for name, weight in weights.items():
            ranked = sorted(channels[name], key=channels[name].get, reverse=True)[:DEPTH]
            for rank, clause in enumerate(ranked, start=1):
                fused[clause] += weight / (RRF_K + rank)
        return fused
    # z-score among each channel's candidates (the same z the re-ranking reads, ranking.channel_z): keeps how
    # far ahead the best clause is, which ranks lose
    z = ranking.channel_z({name: channels[name] for name in weights}, DEPTH)
    for name, weight in weights.items():
        for clause, value in z[name][0].items():
            fused[clause] += weight * value
    if MISSING == "floor":  # a clause a channel did not rank scores no better there than its last candidate
        for clause in fused:
            fused[clause] += sum(weights[n] * z[n][1] for n in weights if clause not in z[n][0])
    floor = min(fused.values(), default=0.0)  # shifted so that the lowest fused score is 0
    return defaultdict(float, {c: v - floor for c, v in fused.items()})


class Searcher:
    def __init__(self, index: Index, embedder, mode: str = "hybrid"):
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}")
        self.index, self.embedder, self.mode = index, embedder, mode
        self._clause_of_sentence = np.array([r.clause for r in index.sentence_refs], dtype=np.int64)
        # sentences of clause c are positions _sentence_start[c] .. _sentence_start[c + 1] - 1
        self._sentence_start = np.searchsorted(self._clause_of_sentence, np.arange(len(index.clauses) + 1))
        self._scopes: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._profiles = ranking.profiles(index.clauses)  # document -> place and level, for re-ranking
        self._places = {p.place for p in self._profiles.values() if p.place}

    def search(self, question: str, k: int = 5, docs: set[str] | None = None,
               versions: set[tuple[str, str]] | None = None) -> list[Hit]:
        """The k best clauses; `docs` limits them to those documents (titles), `versions` to those (title,
        version) pairs (qa.metadata: older versions are left out unless asked for; their clauses are dropped
        from every channel before the fusion, as if they were not indexed). A search limited to documents
        ranks the whole collection and keeps the documents' clauses (the fusion's z-scores are those it was
        tuned with); when fewer than k are left — over 70,000 articles a named law may reach no channel's
        CANDIDATES — it scores the documents' own clauses and sentences only. In hybrid mode the fused
        order is then re-ranked (qa/ranking.py)."""
        return self.search_with_signals(question, k, docs, versions)[0]

    def search_with_signals(self, question: str, k: int = 5, docs: set[str] | None = None,
                            versions: set[tuple[str, str]] | None = None) -> tuple[list[Hit], dict[str, float]]:
        """`search`, and the signals of whether the documents speak of the question at all (`signals`)."""
        order, fused, channels, sentence_scores = self.fused(question, k, docs, versions)
        scores = fused
        if self.mode == "hybrid":
            order, scores = self._rerank(question, order, channels)
        hits = [Hit(c, scores[c], {n: s.get(c, 0.0) for n, s in channels.items()}) for c in order[:k]]
        self._rank_sentences(question, hits, *sentence_scores)
        return hits, self.signals(question, channels)

    def signals(self, question: str, channels: dict[str, dict[int, float]]) -> dict[str, float]:
        """Per question, what the decline rule (qa/answer.py) weighs:
        coverage       share of the topic words found anywhere in the documents (`coverage`),
        dense_max      the best clause cosine, and dense_z: how far it stands above the question's other
                       cosines (in standard deviations) — a question the documents answer has a clause ahead,
        bm25_max       the best clause BM25 per topic word,
        unmatched_idf  how rare in general Chinese (jieba's dictionary frequencies) the rarest topic word is
                       that the documents never use: a missing everyday word ("电脑") is a paraphrase, a missing
                       rare one ("公积金", "疫苗") a topic the documents do not treat."""
        terms = content_terms(question)
        cosines = np.array(list(channels.get("dense_clause", {}).values()))
        dense_max = float(cosines.max()) if len(cosines) else 0.0
        dense_z = float((cosines.max() - cosines.mean()) / cosines.std()) if len(cosines) > 1 and cosines.std() else 0.0
        bm25 = channels.get("bm25_clause", {})
        vocab = self.index.bm25_clauses.vocab_dict
        return {"coverage": coverage(question, vocab), "dense_max": dense_max, "dense_z": dense_z,
                "bm25_max": max(bm25.values(), default=0.0) / max(len(terms), 1),
                "unmatched_idf": max((general_idf(t) for t in terms if t not in vocab), default=0.0)}

    def fused(self, question: str, k: int = 5, docs: set[str] | None = None,
              versions: set[tuple[str, str]] | None = None
              ) -> tuple[list[int], dict[int, float], dict[str, dict[int, float]], tuple[dict, dict]]:
        """Every candidate clause in fused order, the fused scores, the channels' clause scores and the raw
        sentence scores (see `search`)."""
        query = expand_query(question)
        channels, sentence_scores = self._channel_scores(query)
        if versions is not None:  # versions left out are not part of the collection: not even in the z-scores
            channels = {name: {c: v for c, v in scores.items()
                               if (self.index.clauses[c].doc, self.index.clauses[c].version) in versions}
                        for name, scores in channels.items()}
        fused = fuse(channels)
        if docs is not None or versions is not None:
            scope = (frozenset(docs) if docs is not None else None,
                     frozenset(versions) if versions is not None else None)
            fused = {c: v for c, v in fused.items() if self._in_scope(self.index.clauses[c], scope)}
            if len(fused) < k:
                channels, sentence_scores = self._channel_scores(query, scope)
                fused = fuse(channels)
        return sorted(fused, key=lambda c: (-fused[c], c)), fused, channels, sentence_scores

    def rank_matrix(self, question: str, candidates: list[int], channels: dict[str, dict[int, float]]) -> np.ndarray:
        """The re-ranking features of the candidates (candidates x ranking.FEATURES)."""
        q = ranking.view(question, lexical_query(question), content_terms(question), self._places)
        z = ranking.channel_z(channels, DEPTH)
        return ranking.matrix(candidates, z, q, self.index.clauses, self._profiles)

    def _rerank(self, question: str, order: list[int], channels: dict[str, dict[int, float]]
                ) -> tuple[list[int], dict[int, float]]:
        """The first RERANK_DEPTH candidates ordered by the learned score (shifted to start at 0), the rest
        after them in fused order with score 0."""
        head = order[:ranking.RERANK_DEPTH]
        if not head:
            return order, {}
        values = self.rank_matrix(question, head, channels) @ ranking.weights()
        values = values - values.min()
        scores = {c: float(v) for c, v in zip(head, values)}
        reranked = sorted(head, key=lambda c: (-scores[c], c))
        rest = order[ranking.RERANK_DEPTH:]
        return reranked + rest, {**scores, **{c: 0.0 for c in rest}}

    @staticmethod
    def _in_scope(clause, scope: tuple[frozenset | None, frozenset | None]) -> bool:
        docs, versions = scope
        return (docs is None or clause.doc in docs) and (versions is None or (clause.doc, clause.version) in versions)

    def relevance(self, question: str) -> dict[int, float]:
        """The fused score of every clause any channel found (position -> score), without ranking the
        sentences of each: for ordering a known set of clauses by the question."""
        return fuse(self._channel_scores(expand_query(question))[0])

    def coverage(self, question: str) -> float:
        """Whether the documents speak of the question's topic at all (see `coverage`). Cosines do not tell:
        e5 scores an unrelated question ("个人所得税起征点") as close as a colloquial in-scope one."""
        return coverage(question, self.index.bm25_clauses.vocab_dict)

    # -- channels

    def _channel_scores(self, question: str, scope: tuple | None = None
                        ) -> tuple[dict[str, dict[int, float]], tuple[dict, dict]]:
        """Clause scores per channel, and the raw (dense, BM25) scores of sentences by position."""
        clause_ids, sentence_ids = self._units_in(scope) if scope is not None else (None, None)
        out: dict[str, dict[int, float]] = {}
        sentence_dense: dict[int, float] = {}
        sentence_bm25: dict[int, float] = {}
        if self.mode in ("hybrid", "fusion", "dense"):
            query = self.embedder.encode_queries([question])
            out["dense_clause"] = self._dense(self.index.clause_vectors, query, clause_ids)
            if self.index.sentence_vectors is not None:
                sentence_dense = self._dense(self.index.sentence_vectors, query, sentence_ids)
                out["dense_sentence"] = self._best_per_clause(sentence_dense)
        if self.mode in ("hybrid", "fusion", "bm25"):
            terms = tokenize(lexical_query(question))
            out["bm25_clause"] = self._bm25(self.index.bm25_clauses, terms, clause_ids)
            sentence_bm25 = self._bm25(self.index.bm25_sentences, terms, sentence_ids)
            out["bm25_sentence"] = self._best_per_clause(sentence_bm25)
        return out, (sentence_dense, sentence_bm25)

    def _units_in(self, scope: tuple) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the clauses and of the sentences in `scope` (documents, versions; see _in_scope)."""
        if scope not in self._scopes:
            clauses = np.array([i for i, c in enumerate(self.index.clauses) if self._in_scope(c, scope)],
                               dtype=np.int64)
            ranges = [np.arange(self._sentence_start[c], self._sentence_start[c + 1]) for c in clauses]
            self._scopes[scope] = (clauses, np.concatenate(ranges) if ranges else np.array([], np.int64))
        return self._scopes[scope]

    @staticmethod
    def _dense(faiss_index, query: np.ndarray, ids: np.ndarray | None = None) -> dict[int, float]:
        if ids is not None:  # a scoped search: exactly these vectors
            if not len(ids):
                return {}
            scores = faiss_index.reconstruct_batch(ids) @ query[0]
            return {int(ids[i]): float(scores[i]) for i in np.argsort(-scores)[:CANDIDATES]}
        depth = min(faiss_index.ntotal, CANDIDATES)
        if depth == 0:
            return {}
        scores, found = faiss_index.search(query, depth)
        return {int(i): float(s) for i, s in zip(found[0], scores[0]) if i >= 0}

    @staticmethod
    def _bm25(bm25, terms: list[str], ids: np.ndarray | None = None) -> dict[int, float]:
        known = [t for t in terms if t in bm25.vocab_dict]
        if not known or (ids is not None and not len(ids)):
            return {}
        scores = bm25.get_scores(known)
        ids = np.arange(len(scores)) if ids is None else ids
        top = ids[np.argsort(-scores[ids])[:CANDIDATES]]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _best_per_clause(self, sentence_scores: dict[int, float]) -> dict[int, float]:
        best: dict[int, float] = {}
        for sentence, score in sentence_scores.items():
            clause = int(self._clause_of_sentence[sentence])
            if score > best.get(clause, -np.inf):
                best[clause] = score
        return best

    # -- sentences inside the returned clauses

    def _rank_sentences(self, question: str, hits: list[Hit], dense: dict[int, float], bm25: dict[int, float]
                        ) -> None:
        """Each hit's sentences, best first. Hybrid and fusion: by the fitted sentence model (qa/highlight.py),
        its score the sentence's probability among the clause's sentences; dense or BM25 alone: their sum."""
        top_bm25 = max(bm25.values(), default=0.0) or 1.0
        terms = content_terms(question)
        for hit in hits:
            positions = range(self._sentence_start[hit.clause], self._sentence_start[hit.clause + 1])
            refs = [self.index.sentence_refs[pos] for pos in positions]
            texts = [self.index.sentence_text(ref) for ref in refs]
            if self.mode in ("hybrid", "fusion"):
                x = highlight.sentence_features(question, terms, texts, [dense.get(p, 0.0) for p in positions],
                                                [bm25.get(p, 0.0) for p in positions], top_bm25)
                values = x @ highlight.weights()
                scores = np.exp(values - values.max()) / np.exp(values - values.max()).sum() if len(values) else values
            else:
                scores = [dense.get(p, 0.0) + bm25.get(p, 0.0) / top_bm25 for p in positions]
            ranked = [SentenceHit(ref.sentence, text, float(score)) for ref, text, score in zip(refs, texts, scores)]
            hit.sentences = sorted(ranked, key=lambda s: (-s.score, s.index))
