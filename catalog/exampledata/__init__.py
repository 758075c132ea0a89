"""The example organization's data: every product of examples/contracts, generated with DuckDB.

    from catalog.exampledata import generate_example_data
    manifest = generate_example_data(storage_root=..., data_sources={"warehouse": url}, scale="small")

One function per product (sales.py, marketing.py, product.py, finance.py) builds the product's
table in an in-memory DuckDB and writes it where its contract's location points; the rows are
cast to the contract's fields, so the files match the contract's schema (except where a defect
is seeded on purpose). Seeded defects are recorded with exact counts in
`<storage_root>/manifest.json`; `examples/README.md` describes the format.
"""

from .base import SCALES
from .generate import PRODUCTS, SEED, SHOWCASES, generate_example_data

__all__ = ["PRODUCTS", "SCALES", "SEED", "SHOWCASES", "generate_example_data"]
