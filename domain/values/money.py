"""Money is SEK as Decimal with at most two decimals (öre), never a float.

`Money` is the one value every entry point reads amounts with (API, command line, demo, imports),
so all of them accept and refuse exactly the same things:

- text of ASCII digits with an optional point and one or two decimals: ``"1500000"``,
  ``"1500000.5"``, ``"1500000.00"``; no sign, exponent, spaces, thousands separators, ``NaN`` or
  ``Infinity`` (so ``"-0"`` and ``"1e3"`` are refused, not read as ``-0.00`` and ``1000.00``);
- at most 1 000 000 000 000 SEK;
- a JSON number is refused, integers included: the contract says money travels as a string,
  and a decoded number may already have lost öre to binary floating point. The refusal says so.

Python callers may also hand over a `Decimal` (exact, so no precision is lost), checked by the same
rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from domain.errors import InvalidValue

MAX_SEK: Final = Decimal("1000000000000")  # no municipal procurement approaches a trillion kronor
# The accepted text, for documents (OpenAPI) and checks alike. ASCII digits only: \d would also
# match e.g. Arabic-Indic digits, which Decimal() happily reads.
MONEY_PATTERN: Final = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
_MONEY_TEXT: Final = re.compile(MONEY_PATTERN)
_TOO_PRECISE: Final = re.compile(r"[0-9]{1,13}\.[0-9]{3,}")
_ORE: Final = Decimal("0.01")
MONEY_FORM: Final = 'a string of digits with at most two decimals, like "1500000.00"'
_MAX_ECHOED_CHARS: Final = 40


def _echo(value: str) -> str:
    return repr(value if len(value) <= _MAX_ECHOED_CHARS else value[:_MAX_ECHOED_CHARS] + "…")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of SEK, always held with exactly two decimals."""

    amount: Decimal

    @classmethod
    def parse(cls, value: object, *, field: str = "value_sek") -> Money:
        """Reads an amount given by a caller; refusals are `InvalidValue` naming `field`."""
        if isinstance(value, Money):
            return value
        if isinstance(value, Decimal):
            return cls._checked(value, field=field, shown=str(value))
        if isinstance(value, (bool, int, float)):
            raise InvalidValue(
                f"{field}: give SEK as text, {MONEY_FORM}; a JSON number is not accepted"
                " (it can lose öre on the way)",
                field=field,
            )
        if not isinstance(value, str):
            raise InvalidValue(f"{field}: give SEK as {MONEY_FORM}", field=field)
        if _MONEY_TEXT.fullmatch(value) is None:
            if _TOO_PRECISE.fullmatch(value) is not None:
                raise InvalidValue(
                    f"{field}: {_echo(value)} has more than two decimals; SEK is counted in"
                    " whole öre",
                    field=field,
                )
            raise InvalidValue(
                f"{field}: {_echo(value)} is not an amount of SEK; give {MONEY_FORM}"
                " (no sign, exponent, spaces or thousands separators)",
                field=field,
            )
        return cls._checked(Decimal(value), field=field, shown=value)

    @classmethod
    def _checked(cls, amount: Decimal, *, field: str, shown: str) -> Money:
        try:
            finite = amount.is_finite()
        except InvalidOperation:  # pragma: no cover - is_finite never raises; kept defensive
            finite = False
        if not finite:
            raise InvalidValue(f"{field}: an amount must be a finite number", field=field)
        if amount.is_signed():  # negative, and also -0
            raise InvalidValue(f"{field}: an amount cannot be negative ({shown})", field=field)
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(_ORE):
            raise InvalidValue(f"{field}: at most two decimals (öre)", field=field)
        if amount > MAX_SEK:
            raise InvalidValue(
                f"{field}: at most {format_sek(MAX_SEK)} SEK; {shown} is implausibly large",
                field=field,
            )
        return cls(amount.quantize(_ORE))

    def __str__(self) -> str:
        return format_sek(self.amount)


def parse_sek(value: object, *, field: str = "value_sek") -> Decimal:
    """The amount of `Money.parse`, as the Decimal events and state hold."""
    return Money.parse(value, field=field).amount


def format_sek(amount: Decimal) -> str:
    return f"{amount.quantize(_ORE)}"
