"""Export and import of the whole store as JSON Lines (backup, restore, an auditor's copy)."""

from service.transfer.export import export_store
from service.transfer.restore import ImportRefused, import_store, validate_export

__all__ = ["ImportRefused", "export_store", "import_store", "validate_export"]
