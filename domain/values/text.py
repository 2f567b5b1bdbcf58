"""Checks on free text shared by every aggregate."""

from __future__ import annotations

from domain.errors import InvalidValue


def required_text(value: object, *, field: str, max_length: int = 2000) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"{field}: must be text", field=field)
    text = value.strip()
    if not text:
        raise InvalidValue(f"{field}: must not be empty", field=field)
    if len(text) > max_length:
        raise InvalidValue(f"{field}: at most {max_length} characters", field=field)
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in text):
        raise InvalidValue(f"{field}: control characters are not allowed", field=field)
    return text


def optional_text(value: object, *, field: str, max_length: int = 2000) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return required_text(value, field=field, max_length=max_length)


def text_list(
    values: object, *, field: str, max_items: int = 50, max_length: int = 200
) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        raise InvalidValue(f"{field}: must be a list of text", field=field)
    if len(values) > max_items:
        raise InvalidValue(f"{field}: at most {max_items} items", field=field)
    cleaned = [required_text(v, field=field, max_length=max_length) for v in values]
    return list(dict.fromkeys(cleaned))
