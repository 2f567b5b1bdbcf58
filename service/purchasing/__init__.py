"""A municipality's purchasing register: reading its CSV export."""
