"""Writing what Chorus learns (a spreadsheet id, a form's id, the guide's Doc) back into chorus.toml.

The file is people's: their comments, order and spacing stay as they wrote
them. tomlkit (made to keep a TOML file's layout) parses and writes it; on top
of it, four rules keep an edited file reading as if a person had made the edit:

- a commented-out example in the table (`# key = value   # what it is`) is
  switched on, keeping its explanation;
- a trailing comment stays in its column when the value gets longer or shorter;
- a key new to a table goes after the table's last setting, above any
  commented-out examples below it;
- a table new to the file goes at its end, after a blank line.

The result is parsed back and checked; a file this cannot edit safely raises
ConfigError naming the settings to make by hand.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Comment, InlineTable, Item, Key, Table, Trivia

from sheets_schema.errors import ConfigError

TomlValue = str | bool | int


class _CannotEdit(Exception):
    """The file's shape is not one this editor changes safely (say why)."""


def update_config(path: Path, values: Mapping[tuple[str, str], TomlValue]) -> None:
    """Write `values` ({(table, key): value}) into chorus.toml in place (see set_toml_values)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(set_toml_values(text, values), encoding="utf-8")


def set_toml_values(text: str, values: Mapping[tuple[str, str], TomlValue]) -> str:
    """Set `[table] key = value` for each item in TOML text, keeping every comment and the layout."""
    result = text
    try:
        for (table, key), value in values.items():
            result = _set_one(result, table, key, value)
    except (TOMLKitError, _CannotEdit) as exc:
        raise _hand_edit(values, str(exc)) from None
    if not result.endswith("\n"):
        result += "\n"
    try:
        data = tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:
        raise _hand_edit(values, f"the edited file would not be valid TOML ({exc})") from None
    for (table, key), value in values.items():
        node: Any = data
        for part in table.split("."):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if not isinstance(node, dict) or node.get(key) != value:
            raise _hand_edit(values, f"[{table}] {key} could not be set safely")
    return result


def _hand_edit(values: Mapping[tuple[str, str], TomlValue], why: str) -> ConfigError:
    wanted = "; ".join(f"[{t}] {tomlkit.dumps({k: v}).strip()}" for (t, k), v in values.items())
    return ConfigError(why, place="chorus.toml", fix=f"set these by hand: {wanted}")


def _set_one(text: str, table: str, key: str, value: TomlValue) -> str:
    doc = tomlkit.parse(text)
    found = _find_table(doc, table.split("."))
    if found is None:
        return _with_new_table(text, table, key, value)
    parent, name, node = found
    if key in node:
        _replace_value(node, key, value)
    elif isinstance(node, Table) and any(isinstance(i, Comment) for _, i in node.value.body):
        parent[name] = _with_key(node, key, value)
    else:
        node[key] = value  # no comments to keep clear of: tomlkit places it after the last key
    return doc.as_string()


def _find_table(doc: Any, parts: list[str]) -> tuple[Any, str, Table | InlineTable] | None:
    """(parent, name, table) for a dotted table name; None when the file does not have it."""
    parent: Any = doc
    for depth, part in enumerate(parts):
        if part not in parent:
            return None
        node = parent[part]
        if depth == len(parts) - 1:
            if not isinstance(node, Table | InlineTable):
                raise _CannotEdit(f"[{'.'.join(parts)}] is not a table in the file")
            return parent, part, node
        if not isinstance(node, Table | InlineTable | OutOfOrderTableProxy):
            raise _CannotEdit(f"{'.'.join(parts[: depth + 1])} is not a table in the file")
        parent = node
    return None


def _replace_value(node: Table | InlineTable, key: str, value: TomlValue) -> None:
    """A new value for an existing key; tomlkit keeps its trailing comment, kept here in its column."""
    old_width = len(_value_item(node.value, key).as_string())
    node[key] = value
    item = _value_item(node.value, key)
    _keep_comment_column(item.trivia, old_width, len(item.as_string()))


def _with_key(table: Table, key: str, value: TomlValue) -> Table:
    """The table with `key` set: a commented-out example switched on, or a line after the last setting."""
    entries: list[tuple[Key | None, Item]] = list(table.value.body)
    for i, (name, item) in enumerate(entries):
        if name is None and isinstance(item, Comment):
            setting = _commented_setting(item, key, value)
            if setting is not None:
                entries[i] = setting
                break
    else:
        last = max((i for i, (name, _) in enumerate(entries) if name is not None), default=-1)
        entries.insert(last + 1, (tomlkit.key(key), tomlkit.item(value)))
    rebuilt = tomlkit.table()
    _copy_trivia(table.trivia, rebuilt.trivia)
    for name, item in entries:
        rebuilt.append(name, item)
    return rebuilt


def _commented_setting(comment: Comment, key: str, value: TomlValue) -> tuple[Key, Item] | None:
    """`# key = old   # note` as a live `key = value   # note`; None when the comment is not that."""
    text = comment.trivia.comment
    line = text.lstrip("#").lstrip()
    try:
        parsed = tomlkit.parse(line + "\n")
    except TOMLKitError:
        return None  # prose, or an example spread over several lines
    keyed = [(name, item) for name, item in parsed.body if name is not None]
    if len(keyed) != 1 or keyed[0][0].key != key or isinstance(keyed[0][1], Table):
        return None
    name, old = keyed[0]
    old_width = len(old.as_string())
    parsed[key] = value
    item = _value_item(parsed, key)
    # The note's column counts the "# " the switched-on line no longer has.
    _keep_comment_column(item.trivia, old_width + len(text) - len(line), len(item.as_string()))
    item.trivia.indent = comment.trivia.indent
    return name, item


def _value_item(container: Container, key: str) -> Item:
    """The item holding `key`'s value (a table split over the file is not a value)."""
    item = container.item(key)
    if not isinstance(item, Item):
        raise _CannotEdit(f"{key} is a table split over the file, not a value")
    return item


def _keep_comment_column(trivia: Trivia, old_width: int, new_width: int) -> None:
    """Pad before a trailing comment so it starts where it did (one space at least)."""
    if trivia.comment:
        column = old_width + len(trivia.comment_ws)
        trivia.comment_ws = " " * max(1, column - new_width)


def _copy_trivia(source: Trivia, target: Trivia) -> None:
    target.indent = source.indent
    target.comment_ws = source.comment_ws
    target.comment = source.comment
    target.trail = source.trail


def _with_new_table(text: str, table: str, key: str, value: TomlValue) -> str:
    """`[table]` with its first key, added at the end of the file after a blank line."""
    body = text if not text or text.endswith("\n") else text + "\n"
    gap = "\n" if body.strip() and not body.endswith("\n\n") else ""
    header = tomlkit.key(table.split(".")).as_string()
    return f"{body}{gap}[{header}]\n{tomlkit.dumps({key: value})}"
