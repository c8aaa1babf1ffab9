"""SVG charts: accessible markup, escaped labels, and their data tables."""

from haochaping.results.charts import bar_chart, line_chart


def test_bar_chart_is_accessible_and_escaped():
    chart = bar_chart(
        title="Levels <October>",
        desc="Ratings per level",
        labels=["好", "a&b"],
        values=[3, 1],
        headers=("Level", "Ratings"),
    )
    svg = str(chart.svg)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
    assert "<title id=" in svg and ">Levels &lt;October&gt;</title>" in svg
    assert ">Ratings per level</desc>" in svg
    assert 'aria-labelledby="chart-' in svg
    assert ">a&amp;b</text>" in svg
    assert svg.count("<rect ") == 2
    assert chart.headers == ["Level", "Ratings"]
    assert chart.rows == [["好", "3"], ["a&b", "1"]]


def test_bar_lengths_are_proportional():
    svg = str(bar_chart(title="t", desc="d", labels=["a", "b"], values=[10, 5]).svg)
    # a max of 10 is the full span (640 - 200 - 80 = 360)
    assert 'width="360.0"' in svg and 'width="180.0"' in svg


def test_line_chart_has_one_polyline_per_series_and_a_table():
    chart = line_chart(
        title="Trend",
        desc="Ratings per month",
        x_labels=["2026-09", "2026-10"],
        series=[("All", [1, 8]), ("Bad", [0, 2])],
        headers_x="Month",
    )
    svg = str(chart.svg)
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4
    assert chart.headers == ["Month", "All", "Bad"]
    assert chart.rows == [["2026-09", "1", "0"], ["2026-10", "8", "2"]]


def test_empty_chart_renders():
    chart = bar_chart(title="t", desc="d", labels=[], values=[])
    assert str(chart.svg).endswith("</svg>") and chart.rows == []
