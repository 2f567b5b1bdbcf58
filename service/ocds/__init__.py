"""OCDS export: procurements as Open Contracting Data Standard 1.1.5 contracting processes.

`mapping` turns a procurement's events into releases (pure functions), `service` packages them
for a principal (release package, record package with the compiled release, the network list),
and `jsonio` writes them with amounts as exact JSON numbers.
"""
