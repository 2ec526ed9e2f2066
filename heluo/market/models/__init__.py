"""The technology market's records, one module per part (each imported here so that Django finds its models)."""

from .contracts import (  # noqa: F401
    BuyerLocation,
    ContractEvent,
    ContractSource,
    ContractState,
    ContractType,
    RegistrationSequence,
    TechnologyContract,
)
