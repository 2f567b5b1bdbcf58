"""JSON text for OCDS documents, with amounts as JSON numbers carrying exactly two decimals.

OCDS wants `amount` as a number, the project never lets money become a float (spec §9), and the
standard library's encoder can write a Decimal only through float or as a string. So OCDS
documents are written here: a Decimal (money, quantised to öre by the mapping) is written as its
exact decimal text, e.g. `1150000.00`, and a float is refused outright.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(document: Any) -> str:
    parts: list[str] = []
    _encode(document, parts)
    return "".join(parts)


def _encode(value: Any, out: list[str]) -> None:
    # bool before int: True is an int too, and must come out as `true`, not `1`.
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {value}")
        out.append(format(value, "f"))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        # Floats included: an amount that became a float has already lost its exactness.
        raise TypeError(f"{type(value).__name__} has no place in an OCDS document")


def loads(text: str | bytes) -> Any:
    """Reads amounts back as Decimal, so a round trip keeps them exact."""
    return json.loads(text, parse_float=Decimal)
