"""The ranking's settings: its models and stopping rule, as tables with no heavy imports.

The CLI's parser and the TUI's config read these at start, so this module imports
neither NumPy nor scikit-learn (`model.py` does the fitting).
"""

from __future__ import annotations

from dataclasses import dataclass

from papersift.models import PapersiftError

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_STOP",
    "MODELS",
    "START_HINT",
    "ModelSpec",
    "StopRule",
    "model_named",
]

#: What to tell a user whose decisions are not enough to rank by yet.
START_HINT = "star or discard a few papers to rank the inbox"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One way of learning relevance from decisions."""

    name: str
    #: What `rank` commands and the progress panel call it.
    label: str
    #: Classifiers averaged (each z-scored over the library first): "svm", "lr", "nb".
    parts: tuple[str, ...]
    #: All relevant weigh this many times all irrelevant (ASReview's balance ratio).
    balance: float = 9.8
    #: LinearSVC's C.
    svm_c: float = 0.11
    #: LogisticRegression's C.
    lr_c: float = 1.0
    #: C of the logistic regression whose probabilities estimate the relevant papers
    #: left. Weak regularisation: with C=1 every unlabelled paper kept a probability near
    #: the decisions' share of relevant, and their sum overshot ten-fold (Kitchenham_2010
    #: after 10% screened: 189 expected where 11 were left; with 100: 10).
    prob_c: float = 100.0
    #: MultinomialNB's alpha (ASReview 1's default).
    nb_alpha: float = 3.822
    #: Unlabelled papers drawn at random and trained on as irrelevant, afresh at every
    #: fit (Cormack and Grossman's AutoTAR/BMI: most of an inbox is irrelevant, and the
    #: model learns what an ordinary paper of this library looks like). At most a fifth
    #: of the unlabelled papers, so a small library's few candidates are not all taken.
    pseudo_negatives: int = 0
    #: Each one's weight relative to one real irrelevant decision.
    pseudo_weight: float = 0.3
    help: str = ""


#: The models, the default first. "switch" in the progress panel moves to the next
#: one whose parts differ (the SAFE procedure's second model).
MODELS: tuple[ModelSpec, ...] = (
    # The default, measured against ASReview LAB 3.0.8's own `asreview simulate` on the
    # three dev sets, same priors, 5 seeds (benchmarks/ranking.py): mean WSS@95 0.611 vs
    # 0.606, recall@10% 0.674 vs 0.646, recall@25% 0.936 vs 0.930 ("asreview" below,
    # without the pseudo-negatives: 0.606, 0.664, 0.929 over seeds 0-2). The SVM + LR
    # average was no better (Bannach-Brown seed 0: WSS@95 0.423 vs 0.422) at 8x the CPU.
    ModelSpec(
        "svm",
        "linear SVM",
        ("svm",),
        pseudo_negatives=100,
        help=(
            "TF-IDF + linear SVM, C=0.11, balanced 9.8 (ASReview LAB's default model), "
            "with 100 unlabelled papers as weak irrelevant examples"
        ),
    ),
    ModelSpec(
        "asreview",
        "linear SVM, as ASReview",
        ("svm",),
        help="TF-IDF + linear SVM, C=0.11, balanced 9.8: ASReview LAB's default model alone",
    ),
    ModelSpec("lr", "logistic regression", ("lr",), help="logistic regression"),
    ModelSpec("nb", "naive Bayes", ("nb",), help="multinomial naive Bayes (ASReview 1's default)"),
    ModelSpec(
        "ensemble",
        "SVM + logistic regression",
        ("svm", "lr"),
        help="the average of a linear SVM and a logistic regression (slower)",
    ),
)
#: Names earlier versions (and users) may use for the default model.
_MODEL_ALIASES = {"default": "svm"}
DEFAULT_MODEL = MODELS[0].name


def model_named(name: str) -> ModelSpec:
    """The model called `name`; PapersiftError naming the choices if there is none."""
    name = _MODEL_ALIASES.get(name, name)
    for spec in MODELS:
        if spec.name == name:
            return spec
    raise PapersiftError(
        f"unknown model {name!r}; choose one of: {', '.join(s.name for s in MODELS)}"
    )


@dataclass(frozen=True, slots=True)
class StopRule:
    """When the rest of the inbox is probably not worth reading.

    Met when the last `irrelevant_in_a_row` decisions were all irrelevant and at least
    `min_share` of the papers have been screened (the SAFE procedure's heuristic
    stop: "50 irrelevant in a row, after at least a tenth screened")."""

    irrelevant_in_a_row: int = 50
    min_share: float = 0.10

    def met(self, screened: int, total: int, in_a_row: int) -> bool:
        """True once the rule holds."""
        if total <= 0:
            return False
        return in_a_row >= self.irrelevant_in_a_row and screened >= self.min_share * total


DEFAULT_STOP = StopRule()
