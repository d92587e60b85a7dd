"""The kind of answer a question asks for, learned from the training questions (`qa classifier train`).

Kinds (eval/train/README.md): clause (names a unit), who, duties, number, overview, general, out_of_scope.
Features, side by side: the question's character 1–3-grams (TF-IDF, sublinear, L2-normalised: typos and
spoken words share most of their characters with the written ones) and its embedding by the shipped model
(query prompt: the fine-tuned model places a spoken question near the written one). A multinomial logistic
regression over both gives calibrated probabilities (its log loss is what is fitted; the figures of
cross-validation are in eval/RESULTS.md).

The weights are tied to the model whose embeddings they read (`fingerprint`, the sha256 of its
model.safetensors): with another model (`--model`, `QA_NO_DELTA=1`) `load_classifier` answers None, and the
rule tables of qa/intent.py decide, as before. Exact rules stay in front of the classifier either way: a
clause written as （十二） or 第十五条 is a clause lookup, a question asking 谁负责/归谁/哪个部门 is a who-question
(see `exact_intent`, `route`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .intent import Intent, classify

KINDS = ("clause", "who", "duties", "number", "overview", "general", "out_of_scope")
NGRAMS = (1, 3)
MIN_DF = 2  # an n-gram seen in one training question only is noise
WEIGHTS = "classifier.npz"  # in qa/data: vocabulary, idf, coefficients
RECORD = "classifier.json"  # in qa/data: kinds, settings, fingerprint, the command and figures of the run


class ClassifierError(Exception):
    """The classifier cannot be trained or loaded as asked; the message (Chinese) says why."""


@dataclass
class QuestionClassifier:
    kinds: tuple[str, ...]
    vocabulary: dict[str, int]  # character n-gram -> column
    idf: np.ndarray  # per n-gram column
    coef: np.ndarray  # kinds x (n-grams + embedding dimension)
    intercept: np.ndarray  # per kind
    embedding_weight: float  # the embedding's share of the features (its norm beside the n-grams' norm 1)
    fingerprint: str  # sha256 of the model.safetensors whose embeddings it was fitted on

    def features(self, questions: Sequence[str], vectors: np.ndarray):
        """A sparse row per question: its n-gram TF-IDF, then `embedding_weight` × its (unit) embedding."""
        from scipy import sparse

        return sparse.hstack([self._vectorizer().transform(list(questions)),
                              sparse.csr_matrix(self.embedding_weight * np.asarray(vectors, dtype=np.float32))],
                             format="csr")

    def probabilities(self, questions: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """questions x kinds, rows summing to 1."""
        logits = self.features(questions, vectors) @ self.coef.T + self.intercept
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def kind_probabilities(self, question: str, embedder: Any) -> dict[str, float]:
        vector = embedder.encode_queries([question])
        return dict(zip(self.kinds, self.probabilities([question], vector)[0].tolist()))

    def _vectorizer(self):
        if not hasattr(self, "_tfidf"):
            self._tfidf = ngram_vectorizer(self.vocabulary, self.idf)
        return self._tfidf

    # -- files

    def save(self, folder: Path, record: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        grams = sorted(self.vocabulary, key=self.vocabulary.get)
        np.savez_compressed(folder / WEIGHTS, grams=np.array(grams), idf=self.idf.astype(np.float32),
                            coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32))
        from .model import file_sha256

        meta = {"kinds": list(self.kinds), "embedding_weight": self.embedding_weight,
                "fingerprint": self.fingerprint, "ngrams": list(NGRAMS),
                "weights_sha256": file_sha256(folder / WEIGHTS), **record}
        (folder / RECORD).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> QuestionClassifier:
        from .model import file_sha256

        meta = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if file_sha256(folder / WEIGHTS) != meta["weights_sha256"]:
            raise ClassifierError(f"分类器权重 {folder / WEIGHTS} 校验失败：请重新运行 `qa classifier train`")
        with np.load(folder / WEIGHTS, allow_pickle=False) as data:
            grams = [str(g) for g in data["grams"]]
            return cls(tuple(meta["kinds"]), {g: i for i, g in enumerate(grams)}, data["idf"], data["coef"],
                       data["intercept"], float(meta["embedding_weight"]), meta["fingerprint"])


def ngram_vectorizer(vocabulary: dict[str, int] | None = None, idf: np.ndarray | None = None):
    """The character n-gram TF-IDF: fitted when `vocabulary` is None, else rebuilt from saved weights."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, lowercase=True,
                                 min_df=MIN_DF if vocabulary is None else 1, vocabulary=vocabulary)
    if idf is not None:
        vectorizer.idf_ = idf
    return vectorizer


def data_folder() -> Path:
    return Path(str(resources.files("qa").joinpath("data")))


@lru_cache(maxsize=4)
def _load(folder: str) -> QuestionClassifier | None:
    path = Path(folder)
    return QuestionClassifier.load(path) if (path / WEIGHTS).is_file() and (path / RECORD).is_file() else None


def load_classifier(fingerprint: str, folder: Path | None = None) -> QuestionClassifier | None:
    """The shipped classifier when it was fitted on the embeddings of the model `fingerprint` names, else
    None (another model: the rule tables decide)."""
    classifier = _load(str(folder or data_folder()))
    return classifier if classifier is not None and classifier.fingerprint == fingerprint else None


# ------------------------------------------------------------------------------------------ routing

OUT_OF_SCOPE = "out_of_scope"


def exact_intent(question: str) -> Intent | None:
    """The rules that are exact: a unit written by its number (第十五条, （十二）, 第三部分), and a question that
    asks who in so many words (谁负责, 归谁, 由谁, 哪个部门, 责任单位: qa/intent.py's WHO). The training
    questions label a who-question on a law "general" (a law lists no 责任单位), so the classifier is unsure
    of exactly these; the answer layer gives a law's own words when no clause lists departments."""
    rule = classify(question)
    return rule if rule.kind in ("clause", "who") else None


def route(question: str, probabilities: dict[str, float], department: str | None) -> Intent:
    """The intent the answer layer follows, from the classifier's kinds.

    An exact rule (`exact_intent`) decides first, whatever the classifier says. Out of scope is not a
    route: that is the decline model's call (it reads the probability), so a question most likely out of
    scope is searched (never given a structural answer, such as a department's duties, that is not
    declined); otherwise the most probable in-scope kind answers. duties needs a department the question names (facts.resolve_department); without one, or when the
    question asks who (a who-question about a topic is never a department's duties), the next kind decides.
    A clause named by its heading words is answered by search (answer.titled_clause leads with it)."""
    if exact := exact_intent(question):
        return exact
    if max(probabilities, key=probabilities.get) == OUT_OF_SCOPE:
        return Intent("general")  # a search, so that the decline model can weigh it ("市财政局地址在哪")
    ranked = sorted((k for k in probabilities if k != OUT_OF_SCOPE), key=lambda k: -probabilities[k])
    for kind in ranked:
        if kind == "duties":
            if department and probabilities["duties"] >= probabilities.get("who", 0.0):
                return Intent("duties", department=department)
            continue
        if kind == "clause":
            return Intent("general")
        return Intent(kind)
    return Intent("general")


# ------------------------------------------------------------------------------------------ fitting

GRID_C = (4.0, 16.0)  # inverse regularisation of the logistic regression
GRID_EMBEDDING_WEIGHT = (0.0, 0.5, 1.0)  # 0: n-grams only
FOLDS = 5


UNIT_KINDS = ("clause", "who", "duties", "number", "general")  # kinds whose questions paraphrase one unit


@dataclass
class Labelled:
    """The questions a classifier is fitted on: text (as `answer.clean_question` leaves it), kind, and the
    group that keeps paraphrases of one unit in one fold (document + gold units; an overview or out-of-scope
    question is its own group)."""

    texts: list[str]
    kinds: list[str]
    groups: list[str]


def fit(data: Labelled, vectors: np.ndarray, fingerprint: str, c: float, embedding_weight: float
        ) -> QuestionClassifier:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    vectorizer = ngram_vectorizer()
    grams = vectorizer.fit_transform(data.texts)
    x = sparse.hstack([grams, sparse.csr_matrix(embedding_weight * vectors)], format="csr")
    model = LogisticRegression(C=c, max_iter=3000).fit(x, data.kinds)
    return QuestionClassifier(tuple(str(k) for k in model.classes_), dict(vectorizer.vocabulary_),
                              vectorizer.idf_.astype(np.float32), model.coef_.astype(np.float32),
                              model.intercept_.astype(np.float32), embedding_weight, fingerprint)


def folds_of(data: Labelled, folds: int = FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified by kind, grouped by unit: a fold never holds a paraphrase of a question it is scored on."""
    from sklearn.model_selection import StratifiedGroupKFold

    split = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    return list(split.split(np.zeros(len(data.kinds)), data.kinds, data.groups))


def out_of_fold(data: Labelled, vectors: np.ndarray, c: float, embedding_weight: float,
                folds: int = FOLDS) -> tuple[tuple[str, ...], np.ndarray]:
    """Each question's probabilities from a classifier fitted on the other folds (kinds, questions x kinds)."""
    kinds = tuple(sorted(set(data.kinds)))
    p = np.zeros((len(data.texts), len(kinds)))
    for train, held in folds_of(data, folds):
        part = Labelled([data.texts[i] for i in train], [data.kinds[i] for i in train],
                        [data.groups[i] for i in train])
        model = fit(part, vectors[train], "", c, embedding_weight)
        columns = [kinds.index(k) for k in model.kinds]
        p[np.ix_(held, columns)] = model.probabilities([data.texts[i] for i in held], vectors[held])
    return kinds, p


ROUTED_AS = {"clause": "general"}  # kinds the answer layer treats alike (without an exact unit number)


def scores(kinds: tuple[str, ...], p: np.ndarray, gold: list[str]) -> dict[str, Any]:
    """accuracy, routing accuracy (kinds that route alike counted as one), macro-F1, log loss, per-kind recall and the confusion matrix (gold rows, predicted columns)."""
    from sklearn.metrics import confusion_matrix, f1_score, log_loss

    predicted = [kinds[i] for i in p.argmax(axis=1)]
    matrix = confusion_matrix(gold, predicted, labels=list(kinds))
    # routing: a clause named by its heading words is searched like a general question (see `route`)
    same_route = [ROUTED_AS.get(a, a) == ROUTED_AS.get(b, b) for a, b in zip(predicted, gold)]
    recall = {k: round(float(matrix[i, i] / max(matrix[i].sum(), 1)), 4) for i, k in enumerate(kinds)}
    return {"accuracy": round(float(np.mean([a == b for a, b in zip(predicted, gold)])), 4),
            "routing_accuracy": round(float(np.mean(same_route)), 4),
            "macro_f1": round(float(f1_score(gold, predicted, labels=list(kinds), average="macro")), 4),
            "log_loss": round(float(log_loss(gold, np.clip(p, 1e-9, 1), labels=list(kinds))), 4),
            "recall": recall, "confusion": {"kinds": list(kinds), "rows": matrix.tolist()}}


def select(data: Labelled, vectors: np.ndarray, say: Any = print) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every setting of the grid scored by grouped cross-validation; the one with the lowest log loss (then
    the higher accuracy) is chosen. Returns (chosen, all rows)."""
    rows = []
    for weight in GRID_EMBEDDING_WEIGHT:
        for c in GRID_C:
            kinds, p = out_of_fold(data, vectors, c, weight)
            row = {"c": c, "embedding_weight": weight, **scores(kinds, p, data.kinds)}
            say(f"  C={c:<5} embedding weight {weight}: accuracy {row['accuracy']:.4f} (routing "
                f"{row['routing_accuracy']:.4f}), macro-F1 "
                f"{row['macro_f1']:.4f}, log loss {row['log_loss']:.4f}")
            rows.append(row)
    return min(rows, key=lambda r: (r["log_loss"], -r["accuracy"])), rows


def labelled(paths: Sequence[Path], clean: Any = str) -> Labelled:
    """The training questions of `paths` (qa/training.py's format; TrainingError on a malformed file)."""
    from .training import load_training_questions

    data = Labelled([], [], [])
    for path in paths:
        for q in load_training_questions(path):
            data.texts.append(clean(q.question))
            data.kinds.append(q.kind)
            data.groups.append(f"{q.doc}|{'+'.join(q.gold)}" if q.kind in UNIT_KINDS else f"{path.name}:{q.line}")
    return data


def train(paths: Sequence[Path], embedder: Any, out: Path, clean: Any = str, command: str = "", say: Any = print
           ) -> dict[str, Any]:
    """Choose the settings by grouped cross-validation, fit on every question, write the weights to `out`
    (only once everything has worked). Returns the record written beside them."""
    import time

    from .model import file_sha256
    from .training import _cpu_name

    started = time.perf_counter()
    data = labelled(paths, clean)
    if len(set(data.kinds)) < 2:
        raise ClassifierError("问题文件中至少要有两类问题才能训练分类器")
    say(f"{len(data.texts)} 条问题，计算问题向量…")
    vectors = embedder.encode_queries(data.texts)
    say(f"{FOLDS} 折交叉验证（同一条款的问题在同一折）：")
    chosen, grid = select(data, vectors, say)
    classifier = fit(data, vectors, embedder.fingerprint, chosen["c"], chosen["embedding_weight"])
    record = {"command": command, "questions": {Path(p).name: file_sha256(p) for p in paths},
              "count": len(data.texts), "kinds_count": {k: data.kinds.count(k) for k in classifier.kinds},
              "cpu": _cpu_name(), "seconds": round(time.perf_counter() - started, 1),
              "c": chosen["c"], "cross_validated": chosen,
              "grid": [{k: r[k] for k in ("c", "embedding_weight", "accuracy", "macro_f1", "log_loss")} for r in grid]}
    classifier.save(out, record)
    return record
