"""Text a database cannot keep 无法存储的字符: NUL, and lone surrogates (a JSON `\\udbbd` escape
decodes to one). PostgreSQL refuses both in `text`; found here, they are a 422 on the field
instead of a failed transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import ErrorCode, FieldError

_MESSAGE = "文本含有无法存储的字符(NUL 或不成对的代理字符)"


def _bad(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable(value: object, path: str = "$") -> list[FieldError]:
    """Every string inside `value` (a parsed JSON document) that cannot be stored, by path."""
    if isinstance(value, str):
        return [FieldError(path, ErrorCode.BAD_FORMAT, _MESSAGE)] if _bad(value) else []
    errors: list[FieldError] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = str(key) if path == "$" else f"{path}.{key}"
            if isinstance(key, str) and _bad(key):
                errors.append(FieldError(where, ErrorCode.BAD_FORMAT, _MESSAGE))
            errors += unstorable(item, where)
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        for index, item in enumerate(value):
            errors += unstorable(item, f"{path}[{index}]")
    return errors
