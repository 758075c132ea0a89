"""The self-serve platform (the seed's `DataMeshPlatform`): register a data product from a
spec, and generate its dbt project and Airflow DAG.

Modules: spec (the spec and its field-by-field validation), contract (the contract generated
from a spec, the README block that keeps what the contract format has no key for), dbt and
airflow (the generated files), scaffold (files and the deterministic zip), services
(`platform_product_register`), selectors (`product_scaffold`, `product_by_id`).
Documented in docs/platform.md.
"""
