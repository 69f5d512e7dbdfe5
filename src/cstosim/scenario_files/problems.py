"""Problems of a scenario file as one line each, in the file's own terms: where, which rule, which value.

A ``Problem`` sits at a location in the table as read from TOML (keys and list positions) and is shown as
``file: path: rule (got value)``:

- the path names list items by name, as dotted parameter paths do (``members[Tajikistan].ratification``,
  ``organization.bodies[CSC].calendar``), and by position only when an item has no usable name (none, one
  shared with another item, or one a path cannot hold);
- the value is written as TOML writes it (``true``, ``2016-01-16``, ``"text"``, ``{ kind = "fixed", days = 3 }``),
  shortened when long;
- a misspelt key, enumeration value or name is followed by the closest accepted one (``did you mean ...?``).

Pydantic's errors are translated by ``validation_problems``, reading the validation models: which keys a table
accepts and which values an enumeration allows come from the model at the error's location, so that a key added
to a model gets the same treatment without a change here. ``walk`` pairs every value of a table with the type
the model gives it, for the checks that read the raw table (``cstosim.scenario_files.checks``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import enum
import functools
import json
import math
import re
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from pydantic import BaseModel, ValidationError

Step = str | int
Location = tuple[Step, ...]

LONGEST_VALUE = 60  # characters of a value shown in a message
# How alike a misspelt word and an accepted one must be to be offered (difflib's ratio): above difflib's 0.6, which
# offers one member state for another of the same ending (Uzbekistan for Tajikistan, Kyrgyzstan for Kazakhstan).
SIMILAR = 0.7
NAME_KEYS = ("id", "name")  # what names a list item: bodies and documents by id, everything else by name


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # a problem about a missing key has no value to show


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem: its ``location`` in the table, the ``rule`` broken, the ``value`` found, and a suggestion
    written as the user would write it (``stall_probability``, ``"unanimity"``)."""

    location: Location
    rule: str
    value: Any = UNSET
    suggestion: str | None = None
    detail: str | None = None  # said after the value: (got "Secretariat", which has no calendar)

    def line(self, file: str, table: Any) -> str:
        text = f"{file}: {display_path(table, self.location)}: {self.rule}"
        if self.value is not UNSET:
            text += f" (got {toml_value(self.value)}{', ' + self.detail if self.detail else ''})"
        if self.suggestion is not None:
            text += f"; did you mean {self.suggestion}?"
        return text


def problem_lines(file: str, table: Any, problems: Sequence[Problem]) -> list[str]:
    """The problems as lines, in the order of the file (a table's own problem before its keys'), each once."""
    ordered = sorted(problems, key=lambda problem: _file_order(table, problem.location))
    return list(dict.fromkeys(problem.line(file, table) for problem in ordered))


# Values and keys as TOML writes them -------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any, limit: int = LONGEST_VALUE) -> str:
    """``value`` as it is written in a TOML file, shortened to about ``limit`` characters."""
    if isinstance(value, str) and len(value) > limit:
        return _toml(value[: limit - 5] + "...")
    text = _toml(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def toml_key(key: str) -> str:
    """A key as written in a TOML file: bare if it can be, else quoted."""
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # enumeration members included (StrEnum)
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (dt.date, dt.time)):  # a datetime is a date: isoformat writes it with its time
        return value.isoformat()
    if isinstance(value, Mapping):
        entries = ", ".join(f"{toml_key(str(key))} = {_toml(item)}" for key, item in value.items())
        return f"{{ {entries} }}" if entries else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return str(value)


def one_of(options: Sequence[Any]) -> str:
    """``"a", "b" or "c"``: accepted values as TOML writes them."""
    written = [_toml(option) for option in options]
    return written[0] if len(written) == 1 else ", ".join(written[:-1]) + " or " + written[-1]


def closest(word: str, options: Sequence[str]) -> str | None:
    """The option closest to a misspelt ``word``, if one is close enough to be what was meant."""
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=SIMILAR)
    return matches[0] if matches else None


# Paths that name list items --------------------------------------------------------------------------------


def item_name(item: Any) -> str | None:
    """The name of a list item (its ``id``, else its ``name``), if it has one."""
    if isinstance(item, Mapping):
        for key in NAME_KEYS:
            if isinstance(item.get(key), str):
                return cast(str, item[key])
    return None


def _usable_name(items: Sequence[Any], index: int) -> str | None:
    """The item's name if a dotted path can address the item by it: written in brackets, and no other item of
    the list answers to it (``paths`` finds an item by its ``name`` or its ``id``)."""
    name = item_name(items[index])
    if not name or re.fullmatch(r"-?\d+|.*[.\[\]].*", name) or name != name.strip():
        return None
    answering = [item for item in items if isinstance(item, Mapping) and name in (item.get("name"), item.get("id"))]
    return name if len(answering) == 1 else None


def display_path(table: Any, location: Location) -> str:
    """``members[Tajikistan].ratification.stall_probability`` for the location of a problem in ``table``.

    A value in an array of plain values (a date in ``fixed_dates``) is shown by its array: the message shows
    the value itself.
    """
    text = ""
    node = table
    for number, step in enumerate(location):
        if isinstance(step, int):
            items = node if isinstance(node, list) else []
            item = items[step] if -len(items) <= step < len(items) else None
            if number == len(location) - 1 and not isinstance(item, Mapping):
                break
            name = _usable_name(items, step) if item is not None else None
            text += f"[{name if name is not None else step}]"
            node = item
        else:
            text += f".{step}" if text else step
            node = node.get(step) if isinstance(node, Mapping) else None
    return text or "(top level)"


def _file_order(table: Any, location: Location) -> tuple[int, ...]:
    """Where a location comes in the file: positions of its keys and items; a key not written comes last."""
    order = []
    node = table
    for step in location:
        if isinstance(node, Mapping):
            keys = list(node)
            order.append(keys.index(step) if step in node else len(keys))
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
            order.append(step % len(node))
            node = node[step]
        else:
            order.append(0)
            node = None
    return tuple(order)


def value_at(table: Any, location: Location) -> Any:
    """The value at ``location`` in the table, or ``UNSET``."""
    node = table
    for step in location:
        node = _entry(node, step)
    return node


def _entry(node: Any, step: Step) -> Any:
    if isinstance(node, Mapping):
        return node.get(step, UNSET)
    if isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
        return node[step]
    return UNSET


# The validation models as types of the table ---------------------------------------------------------------


# Reading a type is slow next to validating a table, and a table has few types: each is read once (types are
# hashable, and the models are classes of the program, so the cache stays small).


@functools.cache
def arms(annotation: Any) -> tuple[Any, ...]:
    """The types an annotation allows, without ``Annotated`` wrappers and ``None`` (TOML has no null)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(arm for arg in get_args(annotation) if arg is not type(None) for arm in arms(arg))
    return (annotation,)


@functools.cache
def metadata(annotation: Any) -> tuple[Any, ...]:
    """The ``Annotated`` metadata of an annotation and of its alternatives (not of the items of a list)."""
    found: tuple[Any, ...] = ()
    while get_origin(annotation) is Annotated:
        found += annotation.__metadata__
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found += metadata(arg)
    return found


@functools.cache
def models(annotation: Any) -> tuple[type[BaseModel], ...]:
    return tuple(arm for arm in arms(annotation) if isinstance(arm, type) and issubclass(arm, BaseModel))


@functools.cache
def field_type(model: type[BaseModel], key: str) -> Any:
    """The annotation of a model's field with its metadata (pydantic keeps a top-level ``Annotated`` apart)."""
    field = model.model_fields[key]
    if not field.metadata:
        return field.annotation
    return cast(Any, Annotated)[(field.annotation, *field.metadata)]


def accepted_keys(annotation: Any) -> list[str]:
    """The keys a table of this type accepts."""
    return [key for model in models(annotation) for key in model.model_fields]


def allowed_values(annotation: Any) -> list[Any]:
    """The values an enumeration or a literal of this type allows."""
    values: list[Any] = []
    for arm in arms(annotation):
        if isinstance(arm, type) and issubclass(arm, enum.Enum):
            values += [member.value for member in arm]
        elif get_origin(arm) is Literal:
            values += list(get_args(arm))
    return values


@functools.cache
def tags(model: type[BaseModel]) -> dict[str, Any]:
    """The literal fields of a model (``kind = "fixed"``): how a table says which of several models it is."""
    return {
        key: get_args(field.annotation)[0]
        for key, field in model.model_fields.items()
        if get_origin(field.annotation) is Literal and len(get_args(field.annotation)) == 1
    }


def tagged_union(annotation: Any) -> tuple[str, list[Any]] | None:
    """For a union of tables told apart by one key (delays by ``kind``): that key and its values."""
    alternatives = models(annotation)
    keys = {key for model in alternatives for key in tags(model)}
    if len(alternatives) < 2 or len(keys) != 1:
        return None
    key = keys.pop()
    return key, [tags(model)[key] for model in alternatives]


def _model_of(annotation: Any, table: Mapping[str, Any]) -> type[BaseModel] | None:
    """The model that governs ``table``: the only one, or the one whose tag the table gives."""
    alternatives = models(annotation)
    if len(alternatives) == 1:
        return alternatives[0]
    for model in alternatives:
        given = tags(model)
        if given and all(table.get(key) == value for key, value in given.items()):
            return model
    return None


@functools.cache
def _child_type(annotation: Any, step: Step) -> Any:
    for arm in arms(annotation):
        origin = get_origin(arm)
        if isinstance(arm, type) and issubclass(arm, BaseModel):
            if isinstance(step, str) and step in arm.model_fields:
                return field_type(arm, step)
        elif origin in (list, tuple) and isinstance(step, int):
            return (get_args(arm) or (Any,))[0]
        elif origin in (dict, Mapping) and isinstance(step, str):
            return (get_args(arm) or (Any, Any))[1]
    return None


def locate(root: Any, loc: Sequence[Step]) -> tuple[Location, Any]:
    """A pydantic error location as a location in the table, and the type found there (``None`` if unknown).

    Pydantic adds steps the file does not have: the tag of the table's alternative (``lognormal``) and its
    validator wrappers (``function-after[...]``); they are dropped.
    """
    annotation: Any = root
    location: list[Step] = []
    for step in loc:
        if isinstance(step, str) and step.startswith("function-"):
            continue
        alternative = _alternative(annotation, step)
        if alternative is not None:
            annotation = alternative
            continue
        location.append(step)
        annotation = _child_type(annotation, step) if annotation is not None else None
    return tuple(location), annotation


def _alternative(annotation: Any, step: Step) -> type[BaseModel] | None:
    alternatives = models(annotation) if annotation is not None else []
    if len(alternatives) < 2 or not isinstance(step, str):
        return None
    for model in alternatives:
        if step == model.__name__ or step in tags(model).values():
            return model
    return None


def walk(annotation: Any, node: Any, location: Location = ()) -> Iterator[tuple[Location, Any, Any]]:
    """Every value in ``node`` (a table as read) with its location and the type the models give it.

    Keys the models do not know, and tables whose alternative cannot be told, are not entered: validation
    reports them.
    """
    yield location, annotation, node
    if isinstance(node, Mapping) and models(annotation):
        model = _model_of(annotation, node)
        if model is None:
            return
        for key, value in node.items():
            if key in model.model_fields:
                yield from walk(field_type(model, key), value, (*location, key))
    elif isinstance(node, Mapping | list):
        steps = node.keys() if isinstance(node, Mapping) else range(len(node))
        for step in steps:
            child = _child_type(annotation, step)
            if child is not None:
                yield from walk(child, node[step], (*location, step))


# Pydantic's errors -----------------------------------------------------------------------------------------

_TYPE_RULES = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "int_parsing": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "list_type": "must be an array",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}
_BOUNDS = {"greater_than": ("gt", ">"), "greater_than_equal": ("ge", ">="), "less_than": ("lt", "<")}
_BOUNDS["less_than_equal"] = ("le", "<=")
_DATE_ERRORS = ("date_type", "date_parsing", "date_from_datetime_inexact", "date_from_datetime_parsing")
_DOMAIN_RULE = re.compile(r"([a-z_][a-z0-9_]*) (must .*)", re.DOTALL)


def validation_problems(model: type[BaseModel], table: Any, error: ValidationError) -> list[Problem]:
    """Pydantic's errors for ``table`` validated by ``model``, as problems in the file's terms."""
    return [_problem(model, table, dict(item)) for item in error.errors(include_url=False)]


def _problem(model: type[BaseModel], table: Any, item: dict[str, Any]) -> Problem:
    location, annotation = locate(model, item["loc"])
    kind, value, context = item["type"], item.get("input", UNSET), item.get("ctx") or {}
    if kind == "extra_forbidden":
        _, parent = locate(model, item["loc"][:-1])
        return Problem(location, "unknown key", value, closest(str(location[-1]), accepted_keys(parent)))
    if kind == "missing":
        return Problem(location, "required key is missing")
    if kind in ("enum", "literal_error"):
        options = allowed_values(annotation)
        suggestion = closest(value, [str(option) for option in options]) if isinstance(value, str) else None
        return Problem(location, f"must be {one_of(options)}", value, _quoted(suggestion))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_problem(location, annotation, value, context)
    if kind == "value_error":
        return _domain_problem(location, annotation, str(item["msg"]))
    if kind in _DATE_ERRORS:
        return Problem(location, _date_rule(value), value)
    if kind in _TYPE_RULES:
        union = tagged_union(annotation)
        if _TYPE_RULES[kind] == "must be a table" and union is not None:
            return Problem(location, f"must be a table with {union[0]} = {one_of(union[1])}", value)
        return Problem(location, _TYPE_RULES[kind], value)
    return Problem(location, _constraint_rule(kind, context, str(item["msg"])), value)


def _tag_problem(location: Location, annotation: Any, value: Any, context: Mapping[str, Any]) -> Problem:
    key, options = tagged_union(annotation) or (str(context.get("discriminator", "kind")).strip("'"), [])
    if not isinstance(value, Mapping) or key not in value:
        return Problem((*location, key), f"required key is missing: one of {one_of(options)}")
    given = value[key]
    suggestion = closest(given, [str(option) for option in options]) if isinstance(given, str) else None
    return Problem((*location, key), f"must be {one_of(options)}", given, _quoted(suggestion))


def _domain_problem(location: Location, annotation: Any, message: str) -> Problem:
    """A domain constructor's message (``stall_probability must be ...``) at the key it is about, if it names one.

    The domain writes a value that was not given as ``None``; TOML has no null, so that means "not given".
    """
    message = message.removeprefix("Value error, ").replace("(got None)", "(not given)")
    match = _DOMAIN_RULE.fullmatch(message)
    if match is not None and match.group(1) in accepted_keys(annotation):
        return Problem((*location, match.group(1)), match.group(2))
    return Problem(location, message)


def _date_rule(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return "must be a date without a time of day, such as 2018-11-08"
    if isinstance(value, str):
        return "must be a TOML date such as 2018-11-08, written without quotes"
    return "must be a TOML date such as 2018-11-08"


def _constraint_rule(kind: str, context: Mapping[str, Any], message: str) -> str:
    if kind in _BOUNDS:
        key, sign = _BOUNDS[kind]
        return f"must be {sign} {_toml(context[key])}"
    if kind in ("too_short", "too_long"):
        count = context["min_length" if kind == "too_short" else "max_length"]
        return f"must have {'at least' if kind == 'too_short' else 'at most'} {count} item{'s' if count != 1 else ''}"
    if kind == "string_too_short":
        count = context["min_length"]
        return "must not be empty" if count == 1 else f"must have at least {count} characters"
    if kind == "string_too_long":
        return f"must have at most {context['max_length']} characters"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {context['pattern']}"
    return re.sub(r"^Input should be", "must be", message)


def _quoted(suggestion: str | None) -> str | None:
    return _toml(suggestion) if suggestion is not None else None
