"""Shared by the monitoring tests: the orders product's data file, and a real local HTTP
receiver for webhooks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings


def orders_folder() -> Path:
    """Where the test contract's `s3://data-products/sales/orders/` lives."""
    return Path(settings.MESH_STORAGE_MAP["s3://data-products/"]) / "sales" / "orders"


def write_orders(rows: int, *, amount: Callable[[int], Decimal] = lambda i: Decimal("1.50")) -> None:
    """The orders product's data: `rows` orders in one Parquet file, row i costing amount(i)."""
    folder = orders_folder()
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "order_id": [f"o-{i}" for i in range(rows)],
                "total_amount": pa.array([amount(i) for i in range(rows)], type=pa.decimal128(12, 2)),
            }
        ),
        folder / "part-0.parquet",
    )


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 recording every POST (headers, body); answers `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/mesh"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
