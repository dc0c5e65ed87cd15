"""Team defaults for what a cluster cannot say: outage cost and SLO per namespace or name.

``import --defaults FILE`` reads a YAML file of rules; the first rule whose patterns match a
service (``fnmatch`` patterns on its namespace and its name; an absent pattern matches
everything) gives the values it sets. Annotations on the Service or the workload
(``riskmodel.io/cost-per-hour`` …) win over these rules; a value neither sets stays a
placeholder to review.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from pydantic import Field

from riskmodel.model.catalog import Money
from riskmodel.model.estimate import StrictModel


class DefaultRule(StrictModel):
    """Values for the services whose namespace and name match the patterns."""

    namespace: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1)
    cost_per_hour: Money | None = None
    degraded_cost_per_hour: Money | None = None
    slo: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)

    def matches(self, namespace: str, name: str) -> bool:
        return ((self.namespace is None or fnmatchcase(namespace, self.namespace))
                and (self.name is None or fnmatchcase(name, self.name)))


class ServiceDefaults(StrictModel):
    """The top level of a defaults file: ``defaults:`` a list of rules, first match wins."""

    defaults: tuple[DefaultRule, ...] = Field(min_length=1)

    def value(self, field: str, namespace: str, name: str) -> tuple[float, int] | None:
        """The value of ``field`` from the first matching rule that sets it, with the rule's position."""
        for position, rule in enumerate(self.defaults):
            value = getattr(rule, field)
            if value is not None and rule.matches(namespace, name):
                return float(value), position
        return None
