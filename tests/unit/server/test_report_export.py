"""Reports written as XLSX, CSV and JSON, read back the way a coordinator's tools read them."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server.report_export import (
    CHART_ROWS,
    ChartSpec,
    Report,
    Sheet,
    Table,
    read_json,
    sanitize_sheet_name,
    sheet_names,
    write_csv,
    write_json,
    write_xlsx,
)

GENDER = Table(
    title="性别",
    header=("选项", "人数", "%"),
    rows=(("女", 12, 60.0), ("男", 8, 40.0)),
    chart=ChartSpec("性别分布", categories=0, values=(1,), horizontal=True),
    notes=("卡方检验 p = 0.041",),
    formats=(None, "0", "0.0"),
)
SCORES = Table(
    title="测验得分",
    header=("得分", "人数"),
    rows=(("0–10", 1), ("10–20", 0), ("90–100", 5)),
    chart=ChartSpec("得分分布", y_title="人数"),
)
OPEN_ANSWERS = Table(
    title="其他建议",
    header=("回答",),
    rows=(('=HYPERLINK("http://x")',), ("+1 多一些视频",), ("控制\x07字符",), (None,)),
)
REPORT = Report(
    title="农村教师信息素养调查",
    notes=("匿名问卷：报告中不含任何教师姓名。",),
    sheets=(
        Sheet("Q1 性别: [单选]?", (GENDER,)),
        Sheet("测验", (SCORES, GENDER)),
        Sheet("开放题", (OPEN_ANSWERS,)),
    ),
)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_xlsx_has_one_sheet_per_view_with_safe_names(tmp_path: Path) -> None:
    write_xlsx(REPORT, tmp_path / "report.xlsx")

    workbook = load_workbook(tmp_path / "report.xlsx")
    assert workbook.sheetnames == ["Q1 性别_ _单选__", "测验", "开放题"]
    assert _leftovers(tmp_path) == []


def test_xlsx_cells_titles_and_formats(tmp_path: Path) -> None:
    write_xlsx(REPORT, tmp_path / "report.xlsx")

    ws = load_workbook(tmp_path / "report.xlsx").worksheets[0]
    assert ws["A1"].value == "农村教师信息素养调查"
    assert ws["A1"].font.b
    assert ws["A2"].value == "匿名问卷：报告中不含任何教师姓名。"  # report notes, first sheet
    assert ws["A4"].value == "性别"
    assert [c.value for c in ws[5]][:3] == ["选项", "人数", "%"]
    assert ws["B5"].font.b
    assert [c.value for c in ws[6]][:3] == ["女", 12, 60]
    assert ws["C6"].number_format == "0.0"
    assert ws["A8"].value == "卡方检验 p = 0.041"
    assert ws["A8"].font.i
    assert ws.column_dimensions["A"].width == 8  # "选项" is narrow: the minimum width
    assert load_workbook(tmp_path / "report.xlsx").worksheets[1]["A2"].value is None


def test_xlsx_draws_bar_charts_beside_their_tables(tmp_path: Path) -> None:
    write_xlsx(REPORT, tmp_path / "report.xlsx")

    workbook = load_workbook(tmp_path / "report.xlsx")
    first, second, third = workbook.worksheets
    assert [c.type for c in first._charts] == ["bar"]  # horizontal, for long labels
    assert [c.type for c in second._charts] == ["col", "bar"]
    assert third._charts == []
    with zipfile.ZipFile(tmp_path / "report.xlsx") as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        xml = archive.read(charts[0]).decode()
    assert len(charts) == 3
    assert "性别分布" in xml
    assert "'Q1 性别_ _单选__'!$B$6:$B$7" in xml  # the counts, not the percentages
    # The second table on a sheet starts below the first one's chart, so they never overlap.
    scores_top = 3  # title, a blank row, then the first table
    assert second.cell(row=scores_top, column=1).value == "测验得分"
    assert second.cell(row=scores_top + CHART_ROWS + 1, column=1).value == "性别"


def test_xlsx_keeps_typed_text_as_text(tmp_path: Path) -> None:
    write_xlsx(REPORT, tmp_path / "report.xlsx")

    ws = load_workbook(tmp_path / "report.xlsx")["开放题"]
    assert ws["A5"].value == '=HYPERLINK("http://x")'
    assert ws["A5"].data_type == "s"
    assert ws["A7"].value == "控制字符"  # a control character would make the file unreadable
    # As wide as the widest cell plus 2, a Chinese character counting as two:
    # '=HYPERLINK("http://x")' is 22, "+1 多一些视频" 3 + 2 * 5 = 13.
    assert ws.column_dimensions["A"].width == 24
    with zipfile.ZipFile(tmp_path / "report.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet3.xml").decode()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Q1: 性别 [单选]?", "Q1_ 性别 _单选__"),
        ("a/b\\c*d", "a_b_c_d"),
        ("", "Sheet"),
        ("   ", "Sheet"),
        ("[]", "__"),
        ("History", "History_"),
        ("'引号'", "引号"),
        ("您" * 40, "您" * 31),
        ("😀" * 20, "😀" * 15),  # two UTF-16 units each: 30 of 31
    ],
)
def test_sheet_names_are_made_legal(name: str, safe: str) -> None:
    assert sanitize_sheet_name(name) == safe


def test_repeated_sheet_names_are_numbered_within_31_characters() -> None:
    long = "教师信息素养与在线培训经历调查问卷第一部分基本信息"  # 25 characters

    names = sheet_names(
        ["概况", "概况", "ABC", "abc", long + "甲乙丙丁戊己庚", long + "甲乙丙丁戊己辛"]
    )

    assert names[:4] == ["概况", "概况 (2)", "ABC", "abc (2)"]
    assert names[4] == long + "甲乙丙丁戊己"
    assert names[5] == long + "甲乙 (2)"
    assert all(len(n) <= 31 for n in names)


def test_csv_writes_one_utf8_bom_file_per_table_and_an_index(tmp_path: Path) -> None:
    files = write_csv(REPORT, tmp_path / "csv")

    assert [f.name for f in files] == [
        "01-Q1 性别_ [单选]_-性别.csv",
        "02-测验-测验得分.csv",
        "03-测验-性别.csv",
        "04-开放题-其他建议.csv",
    ]
    assert files[0].read_bytes().startswith(b"\xef\xbb\xbf")
    with files[0].open(encoding="utf-8-sig", newline="") as stream:
        assert list(csv.reader(stream)) == [
            ["选项", "人数", "%"],
            ["女", "12", "60.0"],
            ["男", "8", "40.0"],
        ]
    with (tmp_path / "csv" / "index.csv").open(encoding="utf-8-sig", newline="") as stream:
        index = list(csv.reader(stream))
    assert index[0] == ["文件", "工作表", "表格", "说明"]
    assert index[1] == [files[0].name, "Q1 性别: [单选]?", "性别", "卡方检验 p = 0.041"]
    assert _leftovers(tmp_path / "csv") == []


def test_csv_defuses_formulas_typed_by_teachers(tmp_path: Path) -> None:
    files = write_csv(REPORT, tmp_path)

    with files[3].open(encoding="utf-8-sig", newline="") as stream:
        cells = [row[0] for row in csv.reader(stream)]
    assert cells == ["回答", '\'=HYPERLINK("http://x")', "'+1 多一些视频", "控制\x07字符", ""]


def test_json_round_trip_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "report.json"

    write_json(REPORT, path)

    assert read_json(path) == REPORT
    text = path.read_text(encoding="utf-8")
    assert "农村教师" in text  # not \\u escapes
    data = json.loads(text)
    assert (data["schema"], data["version"]) == ("lamplight-report", 1)
    table = data["sheets"][0]["tables"][0]
    assert set(table) == {"title", "header", "rows", "formats", "notes", "chart"}
    assert table["rows"][0] == ["女", 12, 60.0]
    assert table["chart"] == {
        "title": "性别分布",
        "categories": 0,
        "values": [1],
        "horizontal": True,
        "x_title": None,
        "y_title": None,
    }
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"schema": "something-else"}, "not a Lamplight report"),
        ({"schema": "lamplight-report", "version": 2}, "version 2"),
        ({"schema": "lamplight-report", "version": 1, "title": "t"}, "schema"),
        (
            {"schema": "lamplight-report", "version": 1, "title": 5, "notes": [], "sheets": []},
            "schema",
        ),
    ],
)
def test_json_that_is_not_a_report_is_refused(tmp_path: Path, data: object, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match=match):
        read_json(path)


def test_tables_refuse_what_no_writer_could_show() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 cells, not 2"):
        Table("t", ("a", "b"), (("x",),))
    with pytest.raises(ValueError, match="not a number"):
        Table("t", ("a",), ((float("nan"),),))
    with pytest.raises(ValueError, match="type list"):
        Table("t", ("a",), (([1],),))
    with pytest.raises(ValueError, match="chart"):
        Table("t", ("a", "b"), (), chart=ChartSpec("c", values=(2,)))
    with pytest.raises(ValueError, match="formats"):
        Table("t", ("a", "b"), (), formats=("0",))


def test_an_empty_report_still_makes_a_workbook(tmp_path: Path) -> None:
    empty = Report("空报告", ())

    write_xlsx(empty, tmp_path / "empty.xlsx")
    write_json(empty, tmp_path / "empty.json")

    assert load_workbook(tmp_path / "empty.xlsx").sheetnames == ["空报告"]
    assert read_json(tmp_path / "empty.json") == empty
    assert write_csv(empty, tmp_path / "csv") == []
