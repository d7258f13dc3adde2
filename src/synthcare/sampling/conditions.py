"""Conditions for sampling: a small expression language that reads like a pandas query.

    age >= 65 and diabetes == "yes" and ckd == 1
    (sex == "F" or `sample.yr` in [1995, 1996]) and not (stage > 3)

Operators: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in [...]``, ``not in [...]``,
``is missing``, ``is not missing``, ``and``, ``or``, ``not``, ``implies`` and parentheses; a
numeric column may be compared with another (``dtime >= rtime``, joined with ``and`` at the top
level; it holds vacuously where either value is missing); strings in single or double quotes; column names with
dots, spaces or other characters in backticks. As in pandas, a comparison with a missing value is
false (so ``not (x > 1)`` holds for missing ``x``).

A parsed condition is turned into a disjunction of clauses (DNF), each clause a conjunction of
per-column constraints: a set of allowed values, or a union of intervals, plus whether a missing
value is allowed. Engines sample inside those constraints instead of rejecting rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Union

import numpy as np
import pandas as pd

from synthcare.errors import ParameterError

MAX_CLAUSES = 256


class ConditionError(ParameterError):
    """A condition that cannot be parsed or cannot be honoured by the model."""


# ----------------------------------------------------------------------------- syntax tree
@dataclass(frozen=True)
class Compare:
    column: str
    op: str  # == != < <= > >=
    value: Any


@dataclass(frozen=True)
class In:
    column: str
    values: tuple
    negate: bool = False


@dataclass(frozen=True)
class Missing:
    """``column is missing``."""

    column: str


@dataclass(frozen=True)
class Relation:
    """A comparison between two numeric columns, ``left op right`` (e.g. ``dtime >= rtime``).

    Used in rules: joined with ``and`` at the top level, it holds in every generated row.
    """

    left: str
    op: str
    right: str


@dataclass(frozen=True)
class Not:
    arg: Node


@dataclass(frozen=True)
class And:
    args: tuple


@dataclass(frozen=True)
class Or:
    args: tuple


Node = Union[Compare, In, Missing, Relation, Not, And, Or]  # noqa: UP007 - runtime alias
ATOMS = (Compare, In, Missing, Relation)

# ----------------------------------------------------------------------------- tokenizer
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
    |(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<tick>`[^`]*`)
    |(?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    |(?P<word>[^\W\d]\w*)  # letters of any script, as Python and pandas names allow
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "is", "missing", "implies", "True", "False", "true", "false"}


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int
    value: Any = None


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise _error(text, start, f"unexpected character {text[start]!r}")
        kind = m.lastgroup
        raw = m.group(kind)
        start = m.start(kind)
        if kind == "num":
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
            out.append(_Tok("value", raw, start, value))
        elif kind == "str":
            # a backslash keeps the next character as it is (\" inside "..."); text in any script
            # stays as written (decoding with 'unicode_escape' turned "männlich" into "mÃ¤nnlich")
            out.append(_Tok("value", raw, start, re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "tick":
            out.append(_Tok("name", raw, start, raw[1:-1]))
        elif kind == "word" and raw in ("True", "true", "False", "false"):
            out.append(_Tok("value", raw, start, raw.lower() == "true"))
        elif kind == "word" and raw in KEYWORDS:
            out.append(_Tok(raw, raw, start))
        elif kind == "word":
            out.append(_Tok("name", raw, start, raw))
        else:
            out.append(_Tok(raw, raw, start))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


def _error(text: str, pos: int, message: str) -> ConditionError:
    return ConditionError(
        f"Cannot parse the condition at position {pos + 1}: {message}.\n  {text}\n  {' ' * pos}^\n"
        "Write it like a pandas query, e.g.: age >= 65 and diabetes == \"yes\" and `sample.yr` in [1995, 1996]"
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str | None = None, what: str = "") -> _Tok:
        tok = self.toks[self.i]
        if kind is not None and tok.kind != kind:
            found = "the end" if tok.kind == "end" else repr(tok.text)
            raise _error(self.text, tok.pos, f"expected {what or kind}, found {found}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise _error(self.text, 0, "the condition is empty")
        node = self.implies()
        if self.peek().kind != "end":
            tok = self.peek()
            raise _error(self.text, tok.pos, f"expected 'and', 'or' or the end, found {tok.text!r}")
        return node

    def implies(self) -> Node:
        node = self.or_()
        if self.peek().kind == "implies":  # a implies b  ==  not a or b
            self.take()
            node = Or((Not(node), self.or_()))
        return node

    def or_(self) -> Node:
        args = [self.and_()]
        while self.peek().kind == "or":
            self.take()
            args.append(self.and_())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def and_(self) -> Node:
        args = [self.not_()]
        while self.peek().kind == "and":
            self.take()
            args.append(self.not_())
        return args[0] if len(args) == 1 else And(tuple(args))

    def not_(self) -> Node:
        if self.peek().kind == "not":
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "(":
            self.take()
            node = self.implies()
            self.take(")", "')'")
            return node
        if tok.kind == "name":
            col = self.take().value
            nxt = self.peek()
            if nxt.kind == "is":
                self.take()
                negate = self.peek().kind == "not"
                if negate:
                    self.take()
                self.take("missing", "'missing' after 'is'")
                return Not(Missing(col)) if negate else Missing(col)
            if nxt.kind in ("==", "!=", "<", "<=", ">", ">="):
                op = self.take().kind
                if self.peek().kind == "name" and op in ("<", "<=", ">", ">="):
                    return Relation(col, op, self.take().value)
                value = self.take("value", f"a value or a column after '{op}'").value
                node: Node = Compare(col, op, value)
                if self.peek().kind in ("<", "<=", ">", ">="):  # chained: a < b < c is not allowed
                    raise _error(self.text, self.peek().pos, "chained comparisons are not supported; use 'and'")
                return node
            if nxt.kind == "in":
                self.take()
                return In(col, self.values())
            if nxt.kind == "not":
                self.take()
                self.take("in", "'in' after 'not'")
                return In(col, self.values(), negate=True)
            found = "the end" if nxt.kind == "end" else repr(nxt.text)
            raise _error(self.text, nxt.pos, f"expected a comparison after column '{col}', found {found}")
        if tok.kind == "value":  # 65 <= age
            value = self.take().value
            op_tok = self.peek()
            if op_tok.kind not in ("==", "!=", "<", "<=", ">", ">="):
                raise _error(self.text, op_tok.pos, "expected a comparison operator after a value")
            self.take()
            col = self.take("name", "a column name").value
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op_tok.kind]
            return Compare(col, flipped, value)
        found = "the end" if tok.kind == "end" else repr(tok.text)
        raise _error(self.text, tok.pos, f"expected a column name or '(', found {found}")

    def values(self) -> tuple:
        self.take("[", "'[' to start a list of values")
        out = []
        if self.peek().kind == "]":
            raise _error(self.text, self.peek().pos, "the list of values is empty")
        while True:
            out.append(self.take("value", "a value in the list").value)
            if self.peek().kind == ",":
                self.take()
                continue
            self.take("]", "',' or ']'")
            return tuple(out)


def parse(text: str) -> Node:
    """Parse a condition string into a syntax tree (errors say where parsing failed)."""
    if not isinstance(text, str):
        raise ConditionError(f"A condition must be a string; got {type(text).__name__}.")
    return _Parser(text).parse()


def from_mapping(mapping: dict[str, Any]) -> Node:
    """``{"age": (65, None), "diabetes": "yes", "stage": [3, 4]}``: ranges (inclusive, None for
    open), sets (list/set) and exact values, all combined with ``and``."""
    args: list[Node] = []
    for col, spec in mapping.items():
        if isinstance(spec, tuple) and len(spec) == 2:
            lo, hi = spec
            if lo is not None:
                args.append(Compare(col, ">=", lo))
            if hi is not None:
                args.append(Compare(col, "<=", hi))
        elif isinstance(spec, (list, set, frozenset)):
            args.append(In(col, tuple(spec)))
        else:
            args.append(Compare(col, "==", spec))
    if not args:
        raise ConditionError("The conditions mapping is empty.")
    return args[0] if len(args) == 1 else And(tuple(args))


def as_node(conditions: str | dict | Node) -> Node:
    if isinstance(conditions, str):
        return parse(conditions)
    if isinstance(conditions, dict):
        return from_mapping(conditions)
    if isinstance(conditions, (*ATOMS, Not, And, Or)):
        return conditions
    raise ConditionError(
        "Conditions must be a string such as 'age >= 65 and sex == \"F\"' or a mapping such as "
        f"{{'age': (65, None), 'sex': 'F'}}; got {type(conditions).__name__}."
    )


def columns_of(node: Node) -> list[str]:
    if isinstance(node, (Compare, In, Missing)):
        return [node.column]
    if isinstance(node, Relation):
        return [node.left, node.right]
    if isinstance(node, Not):
        return columns_of(node.arg)
    return list(dict.fromkeys(c for a in node.args for c in columns_of(a)))


def check_relations(node: Node) -> None:
    """Comparisons between columns may only be joined with 'and' at the top level."""
    def inside(n: Node) -> bool:
        if isinstance(n, Relation):
            return True
        if isinstance(n, Not):
            return inside(n.arg)
        if isinstance(n, (And, Or)):
            return any(inside(a) for a in n.args)
        return False

    tops = node.args if isinstance(node, And) else (node,)
    for top in tops:
        if not isinstance(top, Relation) and inside(top):
            raise ConditionError("Comparisons between columns (like 'dtime >= rtime') must be joined with "
                                 "'and' at the top level of a condition or rule, not inside 'or', 'not' or "
                                 "'implies'.")


# ----------------------------------------------------------------------------- evaluation
def _same(series: pd.Series, value: Any) -> pd.Series:
    if isinstance(value, bool) or isinstance(value, str):
        text = series.astype("object").map(lambda v: None if v is None or v != v else str(v).lower()
                                           if isinstance(v, (bool, np.bool_)) else str(v))
        return text == (str(value).lower() if isinstance(value, bool) else value)
    return pd.to_numeric(series, errors="coerce") == value


def mask(node: Node, frame: pd.DataFrame) -> np.ndarray:
    """Rows of ``frame`` that satisfy the condition (missing values make comparisons false)."""
    if isinstance(node, Missing):
        return frame[node.column].isna().to_numpy()
    if isinstance(node, Relation):
        a = pd.to_numeric(frame[node.left], errors="coerce")
        b = pd.to_numeric(frame[node.right], errors="coerce")
        held = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[node.op].fillna(False)
        return (held | a.isna() | b.isna()).to_numpy(bool)
    if isinstance(node, Not) and isinstance(node.arg, Relation):  # flipped, as the samplers read it
        r = node.arg
        flipped = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[r.op]
        return mask(Relation(r.left, flipped, r.right), frame)
    if isinstance(node, Compare):
        s = frame[node.column]
        if node.op in ("==", "!="):
            eq = _same(s, node.value).fillna(False).to_numpy(bool)
            return eq if node.op == "==" else (~eq & s.notna().to_numpy())
        x = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_datetime64_any_dtype(s) else s
        v = node.value
        if pd.api.types.is_datetime64_any_dtype(s):
            v = pd.Timestamp(v)
        res = {"<": x < v, "<=": x <= v, ">": x > v, ">=": x >= v}[node.op]
        return res.fillna(False).to_numpy(bool)
    if isinstance(node, In):
        s = frame[node.column]
        hit = np.zeros(len(frame), dtype=bool)
        for v in node.values:
            hit |= _same(s, v).fillna(False).to_numpy(bool)
        return (~hit & s.notna().to_numpy()) if node.negate else hit
    if isinstance(node, Not):
        return ~mask(node.arg, frame)
    parts = [mask(a, frame) for a in node.args]
    return np.logical_and.reduce(parts) if isinstance(node, And) else np.logical_or.reduce(parts)


# ----------------------------------------------------------------------------- constraints (DNF)
@dataclass
class Constraint:
    """Allowed values of one column: a set (categories) or a union of closed/open intervals."""

    values: frozenset | None = None  # None: any value (unless intervals say otherwise)
    intervals: list[tuple[float, float, bool, bool]] | None = None  # (lo, hi, lo_closed, hi_closed)
    missing: bool = False

    def intersect(self, other: Constraint) -> Constraint:
        values = self.values if other.values is None else (
            other.values if self.values is None else self.values & other.values)
        if self.intervals is None:
            intervals = other.intervals
        elif other.intervals is None:
            intervals = self.intervals
        else:
            intervals = [iv for a in self.intervals for b in other.intervals
                         if (iv := _cap(a, b)) is not None]
        return Constraint(values, intervals, self.missing and other.missing)

    def empty(self) -> bool:
        no_value = (self.values is not None and len(self.values) == 0) or (
            self.intervals is not None and len(self.intervals) == 0)
        return no_value and not self.missing


def _cap(a, b):
    lo, lo_c = (a[0], a[2]) if (a[0], not a[2]) > (b[0], not b[2]) else (b[0], b[2])
    hi, hi_c = (a[1], a[3]) if (a[1], a[3]) < (b[1], b[3]) else (b[1], b[3])
    if lo > hi or (lo == hi and not (lo_c and hi_c)):
        return None
    return (lo, hi, lo_c, hi_c)


INF = math.inf


@dataclass
class Literal_:
    """An atom with its polarity, before it is turned into a constraint."""

    atom: Compare | In | Missing | Relation
    positive: bool = True


def _nnf(node: Node, positive: bool = True) -> Node | Literal_:
    """Push negations down to the atoms (De Morgan)."""
    if isinstance(node, ATOMS):
        return Literal_(node, positive)
    if isinstance(node, Not):
        return _nnf(node.arg, not positive)
    args = tuple(_nnf(a, positive) for a in node.args)
    is_and = isinstance(node, And) == positive
    return And(args) if is_and else Or(args)


def _dnf(node) -> list[list[Literal_]]:
    if isinstance(node, Literal_):
        return [[node]]
    if isinstance(node, Or):
        out = [clause for a in node.args for clause in _dnf(a)]
    else:
        out = []
        for combo in product(*[_dnf(a) for a in node.args]):
            out.append([lit for clause in combo for lit in clause])
            if len(out) > MAX_CLAUSES:
                break
    if len(out) > MAX_CLAUSES:
        raise ConditionError(
            f"The condition expands to more than {MAX_CLAUSES} alternatives; simplify it "
            "(for example use 'in [...]' instead of many 'or' terms)."
        )
    return out


@dataclass
class Clause:
    constraints: dict[str, Constraint] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)


def clauses(node: Node, domains: dict[str, list | None]) -> list[Clause]:
    """The condition as alternatives of per-column constraints; impossible alternatives dropped.

    ``domains`` maps each column to its list of categories (categorical columns) or ``None``
    (numeric columns, compared as numbers).
    """
    out = []
    for lits in _dnf(_nnf(node)):
        clause = Clause()
        ok = True
        for lit in lits:
            if isinstance(lit.atom, Relation):
                r = lit.atom
                op = r.op if lit.positive else {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[r.op]
                for name in (r.left, r.right):
                    if domains[name] is not None:
                        raise ConditionError(f"'{name}' is categorical: it cannot be compared with another column.")
                clause.relations.append(Relation(r.left, op, r.right))
                continue
            c = _constraint(lit, domains)
            prev = clause.constraints.get(lit.atom.column)
            clause.constraints[lit.atom.column] = c if prev is None else prev.intersect(c)
            if clause.constraints[lit.atom.column].empty():
                ok = False
                break
        if ok:
            out.append(clause)
    return out


def _category_set(column: str, values, categories: list) -> frozenset:
    """The categories named by ``values`` (text and booleans compared as the schema stores them)."""
    lookup = {str(c).lower() if isinstance(c, bool) else str(c): c for c in categories}
    picked = set()
    for v in values:
        key = str(v).lower() if isinstance(v, bool) else str(v)
        if key not in lookup:
            # a number written for a categorical code, e.g. 1 for "1": compare as text
            key = str(int(v)) if isinstance(v, float) and v.is_integer() else key
        if key not in lookup:
            shown = ", ".join(repr(c) for c in categories[:20]) + (" ..." if len(categories) > 20 else "")
            raise ConditionError(
                f"The value {v!r} of column '{column}' was never seen in the training data, so the "
                f"model cannot generate it. Seen values: {shown}."
            )
        picked.add(lookup[key])
    return frozenset(picked)


def _constraint(lit: Literal_, domains: dict[str, list | None]) -> Constraint:
    atom, pos = lit.atom, lit.positive
    categories = domains[atom.column]
    if isinstance(atom, Missing):
        if pos:
            return Constraint(values=frozenset() if categories is not None else None,
                              intervals=None if categories is not None else [], missing=True)
        return Constraint(values=frozenset(categories) if categories is not None else None,
                          intervals=None if categories is not None else [(-INF, INF, True, True)], missing=False)
    missing = not pos  # as in pandas, a negated comparison holds for a missing value
    if isinstance(atom, In):
        inside = pos != atom.negate
        if categories is not None:
            named = _category_set(atom.column, atom.values, categories)
            return Constraint(values=named if inside else frozenset(categories) - named, missing=missing)
        points = sorted(_number(atom.column, v) for v in atom.values)
        if inside:
            return Constraint(intervals=[(p, p, True, True) for p in points], missing=missing)
        return Constraint(intervals=_complement_points(points), missing=missing)
    op = atom.op if pos else {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[atom.op]
    if categories is not None:
        if op not in ("==", "!="):
            raise ConditionError(
                f"'{atom.column}' is categorical: compare it with ==, != or in [...], not '{atom.op}'.")
        named = _category_set(atom.column, [atom.value], categories)
        return Constraint(values=named if op == "==" else frozenset(categories) - named, missing=missing)
    v = _number(atom.column, atom.value)
    ivs = {
        "==": [(v, v, True, True)], "!=": [(-INF, v, True, False), (v, INF, False, True)],
        "<": [(-INF, v, True, False)], "<=": [(-INF, v, True, True)],
        ">": [(v, INF, False, True)], ">=": [(v, INF, True, True)],
    }[op]
    return Constraint(intervals=ivs, missing=missing)


def _number(column: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConditionError(f"'{column}' is numeric but is compared with {value!r}; compare it with a number.")
    return float(value)


def _complement_points(points: list[float]) -> list[tuple[float, float, bool, bool]]:
    out, lo, lo_c = [], -INF, True
    for p in points:
        out.append((lo, p, lo_c, False))
        lo, lo_c = p, False
    out.append((lo, INF, lo_c, True))
    return [iv for iv in out if iv[0] < iv[1]]
