"""Where a product's data lives (`schema.location`) and the table name SQL uses for it.

Accepted forms (format only: nothing is fetched or opened here):

    /absolute/local/path[/]            file:///absolute/path[/]
    s3://bucket/prefix[/]              postgresql://<source>/<schema>.<table>

The table name defaults to the last path segment, without a file extension, ignoring glob
segments (`s3://data-products/sales/orders/` -> `orders`, `/data/x/*.parquet` -> `x`); for
PostgreSQL it is the `<table>` part.
"""

import re

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$", re.ASCII)
MAX_LOCATION_LENGTH = 1000

_S3 = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?P<key>/.*)?$", re.ASCII)
_POSTGRESQL = re.compile(
    r"^postgresql://(?P<source>[A-Za-z0-9][A-Za-z0-9_.-]*)/"
    r"(?P<schema>[A-Za-z_][A-Za-z0-9_]*)\.(?P<table>[A-Za-z_][A-Za-z0-9_]*)$",
    re.ASCII,
)
_GLOB = re.compile(r"[*?\[{]")


def _path_part(location: str) -> str | None:
    """The path of a local, file:// or s3:// location; None for other forms."""
    if location.startswith("file://"):
        return location[len("file://") :]
    if location.startswith("s3://"):
        match = _S3.match(location)
        return (match.group("key") or "") if match else None
    if location.startswith("/"):
        return location
    return None


def location_problem(location: str) -> str | None:
    """None when `location` has one of the accepted forms, else a message saying why not."""
    if len(location) > MAX_LOCATION_LENGTH:
        return f"a location is at most {MAX_LOCATION_LENGTH} characters"
    if any(ch.isspace() and ch != " " or ord(ch) < 32 for ch in location):
        return "a location must not contain control characters"
    if location.startswith("postgresql://"):
        if not _POSTGRESQL.match(location):
            return (
                f"'{location}' is not a PostgreSQL location: write postgresql://<source>/<schema>.<table>, "
                "e.g. postgresql://warehouse/finance.ledger (no credentials, host or port: <source> "
                "names a configured connection)"
            )
        return None
    if location.startswith("s3://"):
        if not _S3.match(location):
            return (
                f"'{location}' is not an S3 location: write s3://<bucket>/<prefix>/ with a valid bucket name"
            )
    elif location.startswith("file://"):
        if not location[len("file://") :].startswith("/"):
            return f"'{location}' is not a file URL: write file:///absolute/path (three slashes)"
    elif not location.startswith("/"):
        scheme = location.split("://", 1)[0] + "://" if "://" in location else None
        what = f"the scheme {scheme} is not supported" if scheme else "a relative path is not allowed"
        return (
            f"'{location}': {what}; a location is an absolute path, a file:// or s3:// URL, "
            "or postgresql://<source>/<schema>.<table>"
        )
    path = _path_part(location) or ""
    if ".." in path.split("/"):
        return f"'{location}' must not contain '..' segments"
    return None


def table_from_location(location: str) -> str | None:
    """The default table name for `location`, or None when none can be derived."""
    match = _POSTGRESQL.match(location)
    if match:
        return match.group("table")
    path = _path_part(location)
    if path is None:
        return None
    segments = [s for s in path.split("/") if s]
    while segments and _GLOB.search(segments[-1]):
        segments.pop()
    if not segments:
        return None
    return segments[-1].split(".", 1)[0] or None
