"""The XLSForm expression language Lamplight runs (``relevant``, ``constraint``): its syntax.

A small subset of XPath 1.0 with the ODK functions forms actually use, parsed once into an
immutable tree, which :mod:`wire.expression_eval` evaluates over a teacher's answers (no
``eval`` anywhere)::

    ${years} >= 3 and selected(${platforms}, 'guopei')
    . > 0 and . <= 60
    if(${trained} = 'yes', count-selected(${obstacles}) <= 3, true())

Grammar, loosest binding first (all binary operators are left-associative)::

    or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -

Operands: ``${name}`` (an answer), ``.`` (the answer being checked), numbers (``3``, ``2.5``,
``.5``), strings in single or double quotes (no escapes, as in XPath), parentheses and calls
of the functions in :data:`FUNCTION_ARITY`. Anything else - paths (``/data/q``, ``../q``),
bare names, ``|``, unknown functions, a wrong number of arguments, a full-width ``（`` typed
with a Chinese input method - is an :class:`ExpressionSyntaxError` carrying the 0-based
position of the mistake, so the importer can point at it.

Why not pyxform's parser: pyxform 4.5 has a lark grammar for expressions, but it is a lexer
only (``start: (token | WHITESPACE)*``, used to find ``${...}`` references): it builds no
tree, folds a ``-`` into the number after it (``${a}-1`` lexes as ``${a}`` ``-1``) and takes
any character as ``OTHER``. A tree is what evaluating needs, and this module is also loaded by
the client, which must not need pyxform.

Exceptions::

    ExpressionError
     +-- ExpressionSyntaxError   (position: int)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

NAME_PATTERN = r"[^\W\d][\w.-]*"
"""A question name: starts with a letter or ``_``, then letters, digits, ``_ . -``."""

_NAME = re.compile(NAME_PATTERN)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_OPERATOR_WORDS = ("and", "or", "div", "mod")
_SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")


class ExpressionError(Exception):
    """Something wrong with an expression."""


class ExpressionSyntaxError(ExpressionError):
    """An expression that does not parse; ``position`` is the 0-based index of the mistake."""

    def __init__(self, problem: str, position: int) -> None:
        self.problem = problem
        self.position = position
        super().__init__(f"{problem} (at character {position + 1})")


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | float
    pos: int


@dataclass(frozen=True, slots=True)
class Ref:
    """``${name}``."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Current:
    """``.``: the answer being checked."""

    pos: int


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    pos: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # one of: or and = != < <= > >= + - * div mod
    left: Expr
    right: Expr
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    pos: int


Expr = Literal | Ref | Current | Negate | Binary | Call


def references(expr: Expr) -> set[str]:
    """The question names ``expr`` reads through ``${...}`` (not ``.``)."""
    match expr:
        case Ref(name=name):
            return {name}
        case Negate(operand=operand):
            return references(operand)
        case Binary(left=left, right=right):
            return references(left) | references(right)
        case Call(args=args):
            return set().union(*(references(a) for a in args))
        case _:
            return set()


def uses_current(expr: Expr) -> bool:
    """Whether ``expr`` reads ``.``, the answer being checked."""
    match expr:
        case Current():
            return True
        case Negate(operand=operand):
            return uses_current(operand)
        case Binary(left=left, right=right):
            return uses_current(left) or uses_current(right)
        case Call(args=args):
            return any(uses_current(a) for a in args)
        case _:
            return False


def find_cycle(depends_on: Mapping[str, set[str]]) -> list[str] | None:
    """A dependency cycle, as ``[a, b, ..., a]``, or ``None`` when there is none.

    Args:
        depends_on: for each name, the names its expression reads. Names with no entry
            depend on nothing. Nodes are tried in the mapping's order, so the cycle reported
            starts at the earliest node that is on one.
    """
    # 1: on the path being explored; 2: explored, on no cycle.
    state: dict[str, int] = {}
    for start in depends_on:
        if start in state:
            continue
        path = [start]
        state[start] = 1
        stack = [iter(sorted(depends_on.get(start, ())))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                state[path.pop()] = 2
                continue
            mark = state.get(step)
            if mark == 1:
                return [*path[path.index(step) :], step]
            if mark is None:
                path.append(step)
                state[step] = 1
                stack.append(iter(sorted(depends_on.get(step, ()))))
    return None


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number string ref current name op end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "$" and text.startswith("${", i):
            end = text.find("}", i)
            if end < 0:
                raise ExpressionSyntaxError("'${' without its closing '}'", i)
            name = text[i + 2 : end]
            if not _NAME.fullmatch(name):
                problem = f"'{text[i : end + 1]}' is not a question name"
                if _NAME.fullmatch(name.strip()):
                    problem += f" (write ${{{name.strip()}}}, without spaces)"
                raise ExpressionSyntaxError(problem, i)
            tokens.append(_Token("ref", name, i))
            i = end + 1
            continue
        number = _NUMBER.match(text, i)
        if number:
            tokens.append(_Token("number", number.group(), i))
            i = number.end()
            continue
        if ch == ".":
            if text.startswith("..", i):
                raise ExpressionSyntaxError("paths like '..' are not supported; use ${name}", i)
            tokens.append(_Token("current", ".", i))
            i += 1
            continue
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpressionSyntaxError("a string without its closing quote", i)
            tokens.append(_Token("string", text[i + 1 : end], i))
            i = end + 1
            continue
        name_match = _NAME.match(text, i)
        if name_match:
            tokens.append(_Token("name", name_match.group(), i))
            i = name_match.end()
            continue
        symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if symbol is None:
            raise ExpressionSyntaxError(_unexpected_character(ch), i)
        tokens.append(_Token("op", symbol, i))
        i += len(symbol)
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unexpected_character(ch: str) -> str:
    if ch == "/":
        return "paths like '/data/q' are not supported; use ${name}"
    if ch == "|":
        return "'|' (node-set union) is not supported"
    if "\uff01" <= ch <= "\uff5e" or ch in "\u3000\u201c\u201d\u2018\u2019":
        return (
            f"'{ch}' is a full-width character: type expressions with the input method "
            "in English mode"
        )
    return f"unexpected character '{ch}'"


# --- the parser -------------------------------------------------------------------------------

# Binding power of each binary operator; higher binds tighter.
_BINARY = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
_UNARY_POWER = 7
# Far more than any form needs, and far from Python's recursion limit.
_MAX_DEPTH = 100


class _Parser:
    """A Pratt parser over the token list."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, symbol: str, why: str) -> _Token:
        token = self.take()
        if token.kind != "op" or token.text != symbol:
            raise ExpressionSyntaxError(
                f"expected '{symbol}' {why}, found {_show(token)}", token.pos
            )
        return token

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise ExpressionSyntaxError("the expression is empty", 0)
        expr = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise ExpressionSyntaxError(f"did not expect {_show(token)} here", token.pos)
        return expr

    def binary_operator(self) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in _BINARY:
            return token.text
        if token.kind == "name" and token.text in _OPERATOR_WORDS:
            return token.text
        return None

    def expression(self, min_power: int) -> Expr:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionSyntaxError("the expression is nested too deeply", self.peek().pos)
        left = self.operand()
        while (op := self.binary_operator()) is not None and _BINARY[op] > min_power:
            token = self.take()
            right = self.expression(_BINARY[op])
            left = Binary(op, left, right, token.pos)
        self.depth -= 1
        return left

    def operand(self) -> Expr:
        token = self.take()
        if token.kind == "number":
            return Literal(float(token.text), token.pos)
        if token.kind == "string":
            return Literal(token.text, token.pos)
        if token.kind == "ref":
            return Ref(token.text, token.pos)
        if token.kind == "current":
            return Current(token.pos)
        if token.kind == "op" and token.text == "-":
            return Negate(self.expression(_UNARY_POWER - 1), token.pos)
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")", "to close the '('")
            return inner
        if token.kind == "name":
            return self.call(token)
        raise ExpressionSyntaxError(f"expected a value, found {_show(token)}", token.pos)

    def call(self, name: _Token) -> Call:
        after = self.peek()
        if after.kind != "op" or after.text != "(":
            raise ExpressionSyntaxError(
                f"'{name.text}' is not understood; write a question as ${{{name.text}}}", name.pos
            )
        arity = FUNCTION_ARITY.get(name.text)
        if arity is None:
            known = ", ".join(f"{n}()" for n in FUNCTION_ARITY)
            raise ExpressionSyntaxError(
                f"unknown function '{name.text}()'; Lamplight knows {known}", name.pos
            )
        self.take()
        args: list[Expr] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.expression(0))
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                args.append(self.expression(0))
        self.expect(")", f"to close '{name.text}('")
        low, high = arity
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise ExpressionSyntaxError(
                f"{name.text}() takes {wanted} argument{'s' if high != 1 else ''}, not {len(args)}",
                name.pos,
            )
        if name.text == "regex" and isinstance(args[1], Literal):
            try:
                re.compile(str(args[1].value))
            except re.error as exc:
                problem = f"not a valid regular expression: {exc}"
                raise ExpressionSyntaxError(problem, args[1].pos) from None
        return Call(name.text, tuple(args), name.pos)


def _show(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    if token.kind == "string":
        return f"the string '{token.text}'"
    return f"'{token.text}'"


@lru_cache(maxsize=1024)
def parse(text: str) -> Expr:
    """Parses an expression (results are cached: the runner evaluates the same few often).

    Raises:
        ExpressionSyntaxError: with the position of the first mistake.
    """
    return _Parser(text).parse()


FUNCTION_ARITY: dict[str, tuple[int, int]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "not": (1, 1),
    "if": (3, 3),
    "today": (0, 0),
    "number": (1, 1),
    "int": (1, 1),
    "string": (1, 1),
    "date": (1, 1),
    "coalesce": (2, 2),
    "regex": (2, 2),
    "true": (0, 0),
    "false": (0, 0),
}
"""The functions an expression may call, with their least and most number of arguments."""
