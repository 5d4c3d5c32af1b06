"""Reading the 三资 registers (docs/registers.md 读取台账) by the journal's reading path.

    kind = register_kind(path)          # contracts / plans / assets / resources, or None
    load = read_register_file(path, options)

Modules: ``aliases`` (the headers of each register, enum words), ``recognise`` (which register
a header row is, columns → fields), ``fields`` (a register's rows → canonical fields), ``load``
(one file end to end, with its report and quarantine).
"""

from flows.ingest.registers.load import RegisterLoad, read_register_file
from flows.ingest.registers.recognise import register_kind

__all__ = ["RegisterLoad", "read_register_file", "register_kind"]
