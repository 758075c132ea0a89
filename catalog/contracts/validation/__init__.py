"""Validate a loaded contract document and build its normalized form (see the package docstring).

Only the *format* is checked. Values that governance judges (an unknown classification, a
missing description, pii_category or retention, no primary key, no quality checks) are accepted
as long as their type is right. `contract.py` holds the top level, identity, ports, access and
history; `schema.py` the schema section; `service_levels.py` the SLA and observability sections.
"""

from .contract import REQUIRED_KEYS, TOP_KEYS, ContractValidator

__all__ = ["REQUIRED_KEYS", "TOP_KEYS", "ContractValidator"]
