"""Saaty's 1-9 scale in the questionnaire's words: one dropdown answer per value."""

from __future__ import annotations

from fractions import Fraction

from ..mcda.weights import SAATY_VALUES

#: Words of the odd steps; the even steps lie between them.
WORDS = {1: "同等重要", 3: "稍微重要", 5: "明显重要", 7: "强烈重要", 9: "极端重要"}
#: Meaning of each step, for the instructions sheet.
MEANING = {
    1: "两个指标同样重要",
    3: "A 比 B 稍微重要 (经验和判断稍微偏向 A)",
    5: "A 比 B 明显重要 (经验和判断明显偏向 A)",
    7: "A 比 B 强烈重要 (A 的优势在实践中已得到证明)",
    9: "A 比 B 极端重要 (A 的优势有最高程度的证据)",
}


def _word(k: int) -> str:
    if k in WORDS:
        return WORDS[k]
    return f"{WORDS[k - 1][:-2]}至{WORDS[k + 1]}"  # e.g. 稍微至明显重要


def _label(value: float) -> str:
    if value == 1.0:
        return WORDS[1]
    k = round(value) if value > 1 else round(1.0 / value)
    return f"{'A' if value > 1 else 'B'} {_word(k)}"


#: (dropdown answer, value of "A over B"), from "A 极端重要" (9) to "B 极端重要" (1/9).
SCALE: tuple[tuple[str, float], ...] = tuple((_label(v), v) for v in reversed(SAATY_VALUES))
LABELS = tuple(label for label, _ in SCALE)
VALUE_OF = dict(SCALE)
#: Tolerance on a typed number: 0.111 is read as 1/9 (as the config's pairwise matrix).
_SLACK = 0.01


def value_text(value: float) -> str:
    """A judgement as the long CSV writes it: ``3``, ``1/3``, or a decimal off the grid."""
    f = Fraction(value).limit_denominator(9)
    if abs(float(f) - value) <= 1e-12 * max(1.0, value):
        return str(f)
    return repr(float(value))


def parse(text: object) -> float | None:
    """A judgement's value from a dropdown answer, a number or a fraction such as ``1/3``;
    ``None`` for text that is none of these. The range is checked by the caller."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    s = str(text).strip().replace("／", "/")
    if s in VALUE_OF:
        return VALUE_OF[s]
    try:
        if "/" in s:
            p, q = s.split("/", 1)
            return float(p) / float(q)
        return float(s)
    except (ValueError, ZeroDivisionError):
        return None


def on_scale(value: float) -> bool:
    """Within Saaty's range 1/9 ... 9 (1 % slack)."""
    return 1.0 / 9.0 * (1 - _SLACK) <= value <= 9.0 * (1 + _SLACK)
