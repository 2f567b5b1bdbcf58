"""Values a procurement's state holds: frozen, compared by value, typed where they are read.

They are built by the procurement's @event methods from the events' own fields (the stored
payloads are unchanged), and replace the dictionaries the state held before; a snapshot taken
before them is upcast (Procurement.upcast_v2_v3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class StateValue(Protocol):
    """A value in an aggregate's state that says which plain data it stands for: what
    snapshots store, and what the representations and the audit's state documents show."""

    def as_state(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Contract:
    """The signed contract: with an organisation (its number) or a sole trader (the opaque id
    of their party directory entry, the number then None)."""

    supplier_org_number: str | None
    contract_value_sek: Decimal
    signed_on: date
    supplier_party_id: str | None = None

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Contract:
        """From the dictionary an older snapshot holds."""
        return cls(
            supplier_org_number=state.get("supplier_org_number"),
            contract_value_sek=state["contract_value_sek"],
            signed_on=state["signed_on"],
            supplier_party_id=state.get("supplier_party_id"),
        )

    def as_state(self) -> dict[str, Any]:
        """The dictionary a snapshot keeps (the shape older snapshots had)."""
        state: dict[str, Any] = {
            "supplier_org_number": self.supplier_org_number,
            "contract_value_sek": self.contract_value_sek,
            "signed_on": self.signed_on,
        }
        if self.supplier_party_id is not None:
            state["supplier_party_id"] = self.supplier_party_id
        return state
