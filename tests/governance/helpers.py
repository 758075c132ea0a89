"""Running the engine in tests and reading its result as (policy, severity, field) tuples."""

from governance.engine import evaluate_contract

from .builders import seed_policy_params

SEED_PARAMS = seed_policy_params()


def found(contract: dict, *, params=SEED_PARAMS, **kwargs) -> list[tuple[str, str, str | None]]:
    """What the engine reports for `contract`, as (policy, severity, field)."""
    violations = evaluate_contract(contract, params=params, **kwargs)
    for v in violations:
        assert v.message, v
        assert v.fix or v.severity == "info", v
    return [(v.policy, v.severity, v.field) for v in violations]


def messages(contract: dict, *, params=SEED_PARAMS, **kwargs) -> list[str]:
    return [v.message for v in evaluate_contract(contract, params=params, **kwargs)]
