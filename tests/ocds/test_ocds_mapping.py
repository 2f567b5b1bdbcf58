"""The mapping's tables against the domain and the OCDS codelists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.procurement import PROCEDURES
from service.ocds import jsonio
from service.ocds.mapping import PROCUREMENT_METHODS, main_procurement_category
from tests.ocds.conftest import codelist


def test_every_swedish_procedure_has_an_ocds_method() -> None:
    assert set(PROCUREMENT_METHODS) == set(PROCEDURES)
    for method, details in PROCUREMENT_METHODS.values():
        assert method in codelist("method")
        assert details
    assert PROCUREMENT_METHODS["pre_commercial"][0] == "selective"


@pytest.mark.parametrize(
    ("cpv", "category"),
    [
        ("03111000-2", "goods"),
        ("39713000-3", "goods"),
        ("45000000-7", "works"),
        ("48000000-8", "goods"),  # software packages are supplies in CPV
        ("72000000-5", "services"),
        ("98000000-3", "services"),
        (None, None),
    ],
)
def test_the_main_category_comes_from_the_cpv_division(
    cpv: str | None, category: str | None
) -> None:
    assert main_procurement_category(cpv) == category
    if category is not None:
        assert category in codelist("procurementCategory")


def test_amounts_keep_their_decimals_on_the_wire() -> None:
    text = jsonio.dumps({"amount": Decimal("700000.00"), "text": "Kävlinge", "n": 2, "ok": True})
    assert text == '{"amount":700000.00,"text":"Kävlinge","n":2,"ok":true}'
    assert jsonio.loads(text)["amount"] == Decimal("700000.00")
    for bad in (0.1, Decimal("NaN"), object()):
        with pytest.raises((TypeError, ValueError)):
            jsonio.dumps({"amount": bad})
