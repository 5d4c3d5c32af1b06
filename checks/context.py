"""What rules and signals may read besides the prepared frame: parameters and charts in force."""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.charts import Chart, charts_in_force
from checks.params import AuditParams


@dataclass(frozen=True)
class CheckContext:
    """The run's audit parameters and both charts with the county's overrides applied."""

    params: AuditParams
    charts: dict[str, Chart] = field(default_factory=dict)

    @classmethod
    def of(cls, params: AuditParams) -> CheckContext:
        return cls(params=params, charts=charts_in_force(params))

    def chart(self, new_chart: bool) -> Chart:
        """The 2023 chart for periods from 2024-01 (``new_chart``), else the 2004 chart."""
        return self.charts["2023" if new_chart else "2004"]
