"""Evaluating a parsed expression (:mod:`wire.expressions`) over a teacher's answers.

Values and XPath semantics. An expression yields ``str``, ``float``, ``bool`` or ``date``.
An answer is read as: a number for ``int``/``float``, the choice names joined by spaces for a
multiple choice (as XForms stores it), a ``date`` as itself, and ``""`` when unanswered.
As in JavaRosa (ODK Collect), a reference is its value, so ``not(${q})`` is true when ``q`` is
empty (in strict XPath a node-set is true whenever the node exists).

Comparisons follow XPath 1.0: with a boolean on either side both become booleans; otherwise
with a number on either side both become numbers (``""`` and ``"abc"`` become NaN, and NaN
compares false with everything, so an unanswered ``${age} > 18`` is false); otherwise strings
are compared. ``< <= > >=`` always compare numbers. Dates compare as dates, and a
``'YYYY-MM-DD'`` string compared with a date is read as a date; in arithmetic a date is its
number of days since 1970-01-01, so ``today() - ${born}`` is a number of days.

Division follows IEEE like XPath: ``1 div 0`` is Infinity (so ``1 div 0 > 5`` is true),
``0 div 0`` and ``x mod 0`` are NaN. Evaluation never raises, whatever the answers: every
runtime oddity is a value (NaN, ``""``, false); only a bug raises.

Functions: ``selected(a, 'v')`` (``v`` is one of the space-separated names in ``a``),
``count-selected(a)``, ``string-length(s)``, ``not(b)``, ``if(c, a, b)``, ``today()`` (from
:attr:`Context.today`, so tests need no clock), ``number(x)``, ``int(x)`` (truncates toward
zero), ``string(x)``, ``date(x)``, ``coalesce(a, b)`` (``a`` unless empty), ``regex(s, p)``
(a search, as in the ODK XForms spec where ``regex('abc', 'a')`` is true: anchor with
``^...$`` for a whole match; Python's ``re`` dialect; a bad pattern made at run time is
false), ``true()``, ``false()``.

No maintained pure-Python evaluator of XForms expressions was found; the only one seen,
``rxeval`` 0.1.1 on PyPI, is a new Rust extension that evaluates over an XML instance.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from wire.expressions import (
    Binary,
    Call,
    Current,
    Expr,
    Literal,
    Negate,
    Ref,
)

Value = str | float | bool | date
"""What an expression yields."""

AnswerInput = str | int | float | bool | date | Sequence[str] | None
"""What an answer may be in :attr:`Context.answers`."""

_XPATH_NUMBER = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EPOCH = date(1970, 1, 1)
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# --- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What an expression is evaluated against.

    Attributes:
        answers: question name to answer (see :data:`AnswerInput`); a missing name is empty.
        current: the name ``.`` stands for, when checking a constraint.
        today: what ``today()`` answers; injected so tests and reports need no clock.
    """

    answers: Mapping[str, AnswerInput]
    current: str | None = None
    today: date | None = None

    def lookup(self, name: str) -> Value:
        return as_value(self.answers.get(name))


def as_value(answer: AnswerInput) -> Value:
    """An answer as the expression language sees it."""
    if answer is None:
        return ""
    if isinstance(answer, datetime):
        return answer.date()
    if isinstance(answer, bool | str | date):
        return answer
    if isinstance(answer, int | float):
        return float(answer)
    return " ".join(answer)


def evaluate(expr: Expr, context: Context) -> Value:
    """The value of ``expr``; never raises for any answers."""
    match expr:
        case Literal(value=value):
            return value
        case Ref(name=name):
            return context.lookup(name)
        case Current():
            return context.lookup(context.current) if context.current else ""
        case Negate(operand=operand):
            return -to_number(evaluate(operand, context))
        case Binary(op="or", left=left, right=right):
            return to_bool(evaluate(left, context)) or to_bool(evaluate(right, context))
        case Binary(op="and", left=left, right=right):
            return to_bool(evaluate(left, context)) and to_bool(evaluate(right, context))
        case Binary(op=op, left=left, right=right):
            a, b = evaluate(left, context), evaluate(right, context)
            if op in ("=", "!="):
                return _equal(a, b) == (op == "=")
            if op in ("<", "<=", ">", ">="):
                return _relate(op, a, b)
            return _arithmetic(op, to_number(a), to_number(b))
        case Call(name=name, args=args):
            return _FUNCTIONS[name](context, args)
    raise AssertionError(f"unknown node {expr!r}")  # pragma: no cover - the union is closed


def evaluate_bool(expr: Expr, context: Context) -> bool:
    """The expression's truth, as ``relevant`` and ``constraint`` use it."""
    return to_bool(evaluate(expr, context))


def to_bool(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def to_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return float(value) if _XPATH_NUMBER.fullmatch(value) else math.nan
    return float((value - _EPOCH).days)


def to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return value.isoformat()


def to_date(value: Value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
        return None
    if isinstance(value, float) and math.isfinite(value):
        try:
            return _EPOCH + timedelta(days=math.floor(value))
        except OverflowError:
            return None
    return None


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return to_bool(a) == to_bool(b)
    if isinstance(a, date) or isinstance(b, date):
        da, db = to_date(a), to_date(b)
        return da is not None and da == db
    if isinstance(a, float) or isinstance(b, float):
        return to_number(a) == to_number(b)
    return a == b


def _relate(op: str, a: Value, b: Value) -> bool:
    compare = _ORDER[op]
    if isinstance(a, date) or isinstance(b, date):
        x, y = to_date(a), to_date(b)
        return x is not None and y is not None and bool(compare(x, y))
    return bool(compare(to_number(a), to_number(b)))


def _arithmetic(op: str, x: float, y: float) -> float:
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y != 0:
            return x / y
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)  # XPath mod keeps the sign of the dividend, like fmod


# --- functions --------------------------------------------------------------------------------


_Run = Callable[[Context, tuple[Expr, ...]], Value]


def _args(context: Context, args: tuple[Expr, ...]) -> list[Value]:
    return [evaluate(a, context) for a in args]


def _selected(context: Context, args: tuple[Expr, ...]) -> Value:
    answer, choice = _args(context, args)
    return to_string(choice).strip() in to_string(answer).split()


def _if(context: Context, args: tuple[Expr, ...]) -> Value:
    return evaluate(args[1] if evaluate_bool(args[0], context) else args[2], context)


def _coalesce(context: Context, args: tuple[Expr, ...]) -> Value:
    first = evaluate(args[0], context)
    return first if to_string(first) != "" else evaluate(args[1], context)


def _int(context: Context, args: tuple[Expr, ...]) -> Value:
    number = to_number(evaluate(args[0], context))
    return float(math.trunc(number)) if math.isfinite(number) else number


def _regex(context: Context, args: tuple[Expr, ...]) -> Value:
    text, pattern = (to_string(v) for v in _args(context, args))
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _today(context: Context, args: tuple[Expr, ...]) -> Value:
    return context.today or datetime.now().date()


def _date(context: Context, args: tuple[Expr, ...]) -> Value:
    found = to_date(evaluate(args[0], context))
    return found if found is not None else ""


def _one(convert: Callable[[Value], Value]) -> _Run:
    return lambda context, args: convert(evaluate(args[0], context))


_FUNCTIONS: dict[str, _Run] = {
    "selected": _selected,
    "count-selected": _one(lambda v: float(len(to_string(v).split()))),
    "string-length": _one(lambda v: float(len(to_string(v)))),
    "not": _one(lambda v: not to_bool(v)),
    "if": _if,
    "today": _today,
    "number": _one(to_number),
    "int": _int,
    "string": _one(to_string),
    "date": _date,
    "coalesce": _coalesce,
    "regex": _regex,
    "true": lambda context, args: True,
    "false": lambda context, args: False,
}
"""How each function of :data:`wire.expressions.FUNCTION_ARITY` is evaluated."""
