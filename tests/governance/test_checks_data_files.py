"""Which files of a folder product are its data: what the Arrow sandbox registers for its SQL."""

from pathlib import Path

import duckdb

from governance.checks.storage import TableSource, arrow_data, data_files


def write_parquet(path: Path, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT range AS n FROM range({rows})) TO '{path}' (FORMAT parquet)")
    con.close()


def test_a_folder_lists_its_data_files_sorted_without_hidden_markers_other_formats_or_linked_folders(
    tmp_path,
):
    root, outside = tmp_path / "orders", tmp_path / "elsewhere"
    write_parquet(root / "day=2025-06-02" / "part-1.parquet", 3)
    write_parquet(root / "day=2025-06-01" / "part-0.parquet", 2)
    write_parquet(root / "day=2025-06-01" / "deeper" / "part-9.parquet", 1)
    write_parquet(root / "day=2025-06-01" / ".part-0.parquet.crc.parquet", 1)
    write_parquet(root / "_temporary" / "x.parquet" / "_part.parquet", 1)
    (root / "_SUCCESS").write_text("")
    (root / "README.md").write_text("not data")
    write_parquet(outside / "stolen.parquet", 100)
    (root / "day=2025-06-03").symlink_to(outside, target_is_directory=True)
    source = TableSource(name="orders", kind="files", format="parquet", path=root)

    files = data_files(source)

    assert [str(p.relative_to(root)) for p in files] == [
        "day=2025-06-01/deeper/part-9.parquet",
        "day=2025-06-01/part-0.parquet",
        "day=2025-06-02/part-1.parquet",
    ]
    assert arrow_data(source).count_rows() == 6


def test_a_single_file_product_is_that_file(tmp_path):
    path = tmp_path / "customers.parquet"
    write_parquet(path, 4)
    source = TableSource(name="customers", kind="files", format="parquet", path=path)

    assert data_files(source) == [path]
    assert arrow_data(source).count_rows() == 4
