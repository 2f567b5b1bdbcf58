"""Open to the market, without sign-in: the needs municipalities publish to the market, as pages
and an Atom feed (`needs`, `atom`). The OCDS releases of published procurements are served by
`service.ocds` for the public reader (`Principal.public()`), who sees what is published only."""
