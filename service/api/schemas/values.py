"""marshmallow fields built on the domain's value objects, so the API accepts and refuses exactly
what the domain (and with it the command line, the demo and imports) accepts and refuses.

A refusal names the field and the accepted form; the domain's message is the one shown.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields

from domain.errors import InvalidValue
from domain.values.dates import DATE_PATTERN, CalendarDate
from domain.values.money import MONEY_PATTERN, Money
from domain.values.timestamps import Timestamp


def _reason(error: InvalidValue) -> str:
    """The domain's message without its leading "field: ", which the problem's key already says."""
    prefix = f"{error.field}: "
    return error.message[len(prefix) :] if error.message.startswith(prefix) else error.message


class _ValueField:
    def _field_name(self, attr: str | None) -> str:
        name = getattr(self, "data_key", None) or getattr(self, "name", None) or attr
        return str(name or "value")


class MoneyField(_ValueField, fields.Field[Decimal]):
    """SEK in: a string of digits with at most two decimals (domain.values.money.Money).

    Documented as a string (registered in service.api.openapi).
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "description": 'SEK as a string with at most two decimals, e.g. "1500000.00";'
            " a JSON number is refused",
            "example": "1500000.00",
            "pattern": MONEY_PATTERN,
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(Money.parse(value, field=attr or "value"))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return Money.parse(value, field=self._field_name(attr)).amount
        except InvalidValue as error:
            raise ValidationError(_reason(error)) from None


class DateField(_ValueField, fields.Date):
    """A calendar date in: YYYY-MM-DD, never a date-time (domain.values.dates.CalendarDate)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": DATE_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        try:
            return CalendarDate.parse(value, field=self._field_name(attr)).day
        except InvalidValue as error:
            raise ValidationError(_reason(error)) from None


class DateTimeField(_ValueField, fields.DateTime):
    """An RFC 3339 date-time with offset in, as a UTC moment (domain.values.timestamps)."""

    PLUS_AS_SPACE = False

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            return Timestamp.parse(
                value, field=self._field_name(attr), plus_as_space=self.PLUS_AS_SPACE
            ).moment
        except InvalidValue as error:
            raise ValidationError(_reason(error)) from None


class QueryDateTimeField(DateTimeField):
    """A date-time in a URL query: a '+' that arrived as a space (unencoded) is read as '+'."""

    PLUS_AS_SPACE = True
