"""The 三资 registers beside the ledger: contracts, payment plans, assets and resources.

``columns`` names the canonical columns every stage agrees on; reading them is
:mod:`flows.ingest.registers`, their schemas :mod:`checks.registers.schema`, the schedule of
amounts due :mod:`checks.registers.schedule`, and the checks across registers and ledger the
modules beside them.
"""
