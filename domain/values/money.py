"""Money is SEK as Decimal with at most two decimals, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import InvalidValue

MAX_SEK = Decimal("1000000000000")  # no municipal procurement approaches a trillion kronor


def parse_sek(value: object, *, field: str = "value_sek") -> Decimal:
    if isinstance(value, (float, bool)):
        raise InvalidValue(f'{field}: give money as a string like "700000.00"', field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidValue(f"{field}: {value!r} is not an amount of SEK", field=field) from None
    if not amount.is_finite():
        raise InvalidValue(f"{field}: amount must be finite", field=field)
    if amount < 0:
        raise InvalidValue(f"{field}: amount cannot be negative", field=field)
    if amount > MAX_SEK:
        raise InvalidValue(f"{field}: amount is implausibly large", field=field)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidValue(f"{field}: at most two decimals (öre)", field=field)
    return amount.quantize(Decimal("0.01"))


def format_sek(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"
