"""The read models, one module per view; `projections.registry` lists them."""
