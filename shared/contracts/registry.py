"""The one registry of every contract of the suite."""

from shared.contracts.envelope import ContractRegistry

registry = ContractRegistry()
