"""Batch evaluation of retrieval: question sets, the matching rule, figures, reports, comparisons.

``govqa eval QUESTIONS`` (``govqa/commands/eval.py``) ties them together;
``python -m govqa.eval.gate runs/DIR/summary.json`` is the CI gate. See docs/eval.md.
"""

from govqa.eval.matching import answers, normalize
from govqa.eval.questions import Question, QuestionSet, QuestionSetError, load_questions, resolve_docs

__all__ = ["Question", "QuestionSetError", "QuestionSet", "answers", "load_questions", "normalize", "resolve_docs"]
