"""CSV and XLSX from one table: Chinese survives, formulas do not run."""

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from course.reports.exports import Table, to_csv, to_xlsx

TABLE = Table(
    title="完成情况 / Completions",
    columns=["姓名", "部门", "得分", "完成时间", "已完成"],
    rows=[
        ["王小明", "综合窗口", 0.875, datetime(2026, 3, 1, 8, 30, tzinfo=UTC), True],
        ['=HYPERLINK("http://x")', "-2+3", None, None, False],
    ],
)


def test_csv_has_a_bom_and_round_trips_chinese():
    data = to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == TABLE.columns
    assert rows[1] == ["王小明", "综合窗口", "0.875", "2026-03-01 08:30", "1"]


def test_csv_neutralises_formulas():
    rows = list(csv.reader(io.StringIO(to_csv(TABLE).decode("utf-8-sig"))))
    assert rows[2][:2] == ['\'=HYPERLINK("http://x")', "'-2+3"]
    assert rows[2][2:] == ["", "", "0"]


def test_xlsx_has_the_same_table():
    book = load_workbook(io.BytesIO(to_xlsx(TABLE)))
    sheet = book.active
    assert sheet.title == "完成情况   Completions"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == TABLE.columns
    assert values[1] == ["王小明", "综合窗口", 0.875, datetime(2026, 3, 1, 8, 30), True]
    assert values[2][:2] == ['\'=HYPERLINK("http://x")', "'-2+3"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def _generated(n: int) -> Table:
    def rows():
        for i in range(n):
            yield [f"学员{i:06d}", f"trainee{i}@example.com", "综合窗口", i / n,
                   datetime(2026, 3, 1, 8, 30, tzinfo=UTC), i % 2 == 0]  # fmt: skip

    return Table(
        "Trainees", ["Name", "Email", "Department", "Score", "Completed", "Passed"], rows()
    )


def _peak(stream) -> tuple[int, int]:
    import tracemalloc

    tracemalloc.start()
    size = 0
    for chunk in stream:
        size += len(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, size


def test_exports_stream_with_memory_flat_in_the_number_of_rows():
    """Eight times the rows: the output grows eightfold, the peak memory does not."""
    from course.reports.exports import iter_csv, iter_xlsx

    for make, rows in ((iter_csv, 2_000), (iter_xlsx, 500)):
        small_peak, small_size = _peak(make(_generated(rows)))
        large_peak, large_size = _peak(make(_generated(8 * rows)))
        assert large_size > 4 * small_size
        assert large_peak < 1.5 * small_peak + 200_000, (make.__name__, small_peak, large_peak)
