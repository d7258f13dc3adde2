"""The table schema: what each column is and how synthcare treats it.

A schema is a JSON file the user can read, edit and pass back (``synthcare schema DATA``, then
``synthcare fit DATA --schema schema.json``). It is inferred from data by
:func:`synthcare.data.inference.infer_schema` and validated here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from synthcare.errors import SchemaError, validation_problems

Kind = Literal[
    "integer", "float", "categorical", "boolean", "datetime", "identifier", "direct_identifier", "text"
]
Action = Literal["synthesize", "surrogate", "fake", "drop"]
FakeProvider = Literal["first_name", "last_name", "name", "email", "phone_number", "address"]
Scalar = Union[bool, int, float, str]  # noqa: UP007 - a runtime alias for pydantic

SCHEMA_VERSION = 1

#: Which actions make sense for which kind of column.
ALLOWED_ACTIONS: dict[str, set[str]] = {
    "integer": {"synthesize", "drop"},
    "float": {"synthesize", "drop"},
    "categorical": {"synthesize", "drop"},
    "boolean": {"synthesize", "drop"},
    "datetime": {"synthesize", "drop"},
    "identifier": {"surrogate", "drop"},
    "direct_identifier": {"fake", "surrogate", "drop"},
    "text": {"drop"},
}


class ColumnSchema(BaseModel):
    """One column: its kind, what is observed of it, and how it is synthesised."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Kind
    action: Action = Field(description="synthesize, surrogate (fresh keys), fake (fake values) or drop")
    dtype: str = Field(description="pandas dtype of the source column, restored on output")
    missing_rate: float = Field(ge=0.0, le=1.0)
    minimum: Scalar | None = Field(default=None, description="smallest value (ISO text for dates)")
    maximum: Scalar | None = Field(default=None, description="largest value (ISO text for dates)")
    precision: int | None = Field(
        default=None, ge=0, le=12, description="decimal places of a float column; None = full"
    )
    categories: list[Scalar] | None = Field(
        default=None, description="the allowed values of a categorical or boolean column"
    )
    discrete: bool = Field(
        default=False, description="a numeric column with few distinct values, modelled as classes"
    )
    datetime_format: str | None = Field(default=None, description="strftime format of text dates")
    fake_provider: FakeProvider | None = Field(default=None)
    limits: list[str] | None = Field(
        default=None, description="results beyond a detection limit, as written ('<0.5', '>1000'); kept on output"
    )
    decimal: Literal[".", ","] = Field(default=".", description="decimal mark of numbers written as text")
    fake_locale: str | None = Field(
        default=None, description="the locale of fake values, e.g. de_DE, fr_FR, nl_NL; None = en_US"
    )
    roles: list[str] = Field(default_factory=list, description="e.g. target, time, event, id")

    @model_validator(mode="after")
    def _check(self) -> ColumnSchema:
        if self.action not in ALLOWED_ACTIONS[self.kind]:
            raise ValueError(
                f"column '{self.name}': action '{self.action}' is not allowed for kind "
                f"'{self.kind}'; use one of {sorted(ALLOWED_ACTIONS[self.kind])}"
            )
        if self.kind in {"categorical", "boolean"} and self.action == "synthesize":
            if self.categories is None:
                raise ValueError(f"column '{self.name}': a {self.kind} column needs 'categories'")
        if self.discrete and self.categories is None:
            raise ValueError(f"column '{self.name}': a discrete column needs 'categories'")
        if self.action == "fake" and self.fake_provider is None:
            raise ValueError(f"column '{self.name}': action 'fake' needs a 'fake_provider'")
        if self.limits is not None:
            from synthcare.columns.limits import parse_limit

            if self.kind not in {"integer", "float"} or self.discrete:
                raise ValueError(f"column '{self.name}': 'limits' (results beyond a detection limit) need a "
                                 f"continuous integer or float column, not {'discrete ' * self.discrete}{self.kind}")
            bad = [m for m in self.limits if parse_limit(m) is None]
            if bad or len(set(self.limits)) != len(self.limits):
                raise ValueError(f"column '{self.name}': limits must be distinct markers such as '<0.5' or "
                                 f"'>1000'; got {self.limits!r}")
        if self.fake_locale is not None:
            from synthcare.data.personal import LOCALES

            if self.fake_locale not in LOCALES:
                raise ValueError(
                    f"column '{self.name}': fake_locale {self.fake_locale!r} is not one of {list(LOCALES)}")
        if self.minimum is not None and self.maximum is not None and self.kind in {"integer", "float", "datetime"}:
            try:
                if self.kind == "datetime":
                    from synthcare.columns.datetime import day_number

                    reversed_bounds = day_number(self.minimum) > day_number(self.maximum)
                else:
                    reversed_bounds = self.minimum > self.maximum
            except (TypeError, ValueError):
                raise ValueError(f"column '{self.name}': minimum {self.minimum!r} and maximum {self.maximum!r} "
                                 f"are not both {'dates' if self.kind == 'datetime' else 'numbers'}") from None
            if reversed_bounds:
                raise ValueError(f"column '{self.name}': minimum {self.minimum!r} is above maximum {self.maximum!r}")
        return self

    @property
    def synthesized(self) -> bool:
        return self.action == "synthesize"


class Schema(BaseModel):
    """The schema of a whole table."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    n_rows: int = Field(ge=0, description="rows of the data the schema was inferred from")
    columns: list[ColumnSchema]
    rules: list[str] = Field(
        default_factory=list,
        description="clinical rules every synthetic row follows, in the condition language, e.g. "
        "'dtime >= rtime' or 'death == 0 implies chapter is missing'",
    )

    @model_validator(mode="after")
    def _unique(self) -> Schema:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate column names in schema: {dupes}")
        from synthcare.sampling.conditions import ConditionError, check_relations, columns_of, parse

        for rule in self.rules:
            try:
                node = parse(rule)
                check_relations(node)
                unknown = [c for c in columns_of(node) if c not in names]
            except ConditionError as exc:
                raise ValueError(f"rule {rule!r}: {exc}") from None
            if unknown:
                raise ValueError(f"rule {rule!r} names columns not in the schema: {unknown}")
        return self

    def __getitem__(self, name: str) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def modelled(self) -> list[ColumnSchema]:
        """Columns whose values the generator learns."""
        return [c for c in self.columns if c.synthesized]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        if not isinstance(data, dict):
            raise SchemaError(f"A schema must be a JSON object; got {type(data).__name__}.")
        version = data.get("schema_version", SCHEMA_VERSION)
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise SchemaError(
                f"This schema has schema_version {version}, newer than this synthcare supports "
                f"({SCHEMA_VERSION}). Upgrade synthcare."
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = validation_problems(exc, "schema")
            raise SchemaError(f"The schema is not valid: {problems}") from None

    @classmethod
    def load(cls, path: str | Path) -> Schema:
        path = Path(path)
        if not path.is_file():
            raise SchemaError(f"No schema file at '{path}'. Create one with 'synthcare schema DATA'.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemaError(f"'{path}' is not a valid JSON schema file: {exc}") from None
        return cls.from_dict(data)

    def check_frame(self, columns: list[str]) -> None:
        """Fail when the data's columns do not match the schema's."""
        missing = [c for c in self.names if c not in columns]
        extra = [c for c in columns if c not in self.names]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"columns in the schema but not in the data: {missing}")
            if extra:
                parts.append(f"columns in the data but not in the schema: {extra}")
            raise SchemaError(
                "The schema does not match the data (" + "; ".join(parts) + "). "
                "Re-create it with 'synthcare schema DATA' or edit it to list every column."
            )
