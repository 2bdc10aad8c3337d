"""Writing a monthly report's figures as xlsx (openpyxl, one sheet per section, native charts) or PDF
(reportlab: tables and bar charts; CJK text in an embedded WenQuanYi font when the Debian package
``fonts-wqy-zenhei`` is installed, else reportlab's built-in CID font STSong-Light).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from governance.reports import COLOURS, LEVELS

COLOUR_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
CJK_FONTS = (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
KPI_ROWS = (
    ("alarms", "报警次数 alarms"),
    ("repeated_alarms", "重复报警 repeated"),
    ("avg_alarms_per_point", "点均报警 per point"),
    ("avg_clear_s", "平均消除时间 s avg clear"),
    ("max_duration_s", "最长持续 s max duration"),
    ("disturbance_rate", "扰动率 disturbance rate"),
    ("alarms_per_10min", "每10分钟报警 per 10 min"),
    ("flood_pct", "报警泛滥 % flood"),
    ("missed", "漏报 missed"),
)


def title(f: dict[str, Any]) -> str:
    return f"{f['unit']} {f['month']} 月度风险分析报告 monthly risk analysis"


def tables(f: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The report's tables (sheet name → header, rows); both formats show exactly these."""
    k = f["alarms"]["kpis"]
    out: dict[str, tuple[list[str], list[list[Any]]]] = {
        "预警 Warnings": (
            ["colour 颜色", "raised 发布", "on_time 按时处置", "late 超时", "open 未处置"],
            [[c, *(f["warnings"][c][x] for x in ("raised", "on_time", "late", "open"))] for c in COLOURS],
        ),
        "报警 Alarms": (["KPI", "value 数值"], [[label, _num(k[key])] for key, label in KPI_ROWS]),
        "报警企业 Alarms by enterprise": (["enterprise 企业", "alarms 报警"], [[e, n] for e, n in f["alarms"]["per_enterprise"].items()]),
        "报警排名 Bad actors": (["alarm 报警", "count 次数"], [[b["alarm"], b["count"]] for b in f["alarms"]["bad_actors"]]),
        "承诺 Commitments": (
            ["enterprise 企业", "on_time 按时", "late 迟报", "missing 未报"],
            [[c["enterprise"], c["on_time"], c["late"], c["missing"]] for c in f["commitments"]],
        ),
        "离线 Offline": (
            ["enterprise 企业", "online_rate_pct 在线率%", "offline_h 离线小时", "offline_count 离线次数", "excused_h 报备小时"],
            [
                [
                    o["enterprise"],
                    round(100 * o["online_rate"], 2),
                    round(o["offline_h"], 2),
                    o["offline_count"],
                    round(o["excused_s"] / 3600, 2),
                ]
                for o in f["offline"]
            ],
        ),
    }
    days = sorted({d for levels in f["trend"].values() for d in levels})
    ents = sorted(f["trend"])
    out["风险趋势 Trend"] = (
        ["day 日期", *ents],
        [[d, *(LEVELS.index(f["trend"][e][d]) if d in f["trend"][e] else None for e in ents)] for d in days],
    )
    return out


def _num(v: Any) -> Any:
    return round(v, 4) if isinstance(v, float) else v


def write_xlsx(f: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    wb = Workbook()
    summary = wb.active
    summary.title = "概要 Summary"
    summary.append([title(f)])
    for row in (("unit 单位", f["unit"]), ("month 月份", f["month"]), ("enterprises 企业", ", ".join(e["code"] for e in f["enterprises"]))):
        summary.append(list(row))
    charts = {
        "预警 Warnings": (BarChart, "预警 warnings by colour", 2, 5),
        "报警企业 Alarms by enterprise": (BarChart, "报警 alarms per enterprise", 2, 2),
        "承诺 Commitments": (BarChart, "承诺 commitments", 2, 4),
        "离线 Offline": (BarChart, "在线率 online rate %", 2, 2),
        "风险趋势 Trend": (LineChart, "风险等级 0蓝 1黄 2橙 3红", 2, None),
    }
    for name, (header, rows) in tables(f).items():
        ws = wb.create_sheet(name[:31])
        ws.append(header)
        for r in rows:
            ws.append(r)
        spec = charts.get(name)
        if spec is None or not rows:
            continue
        kind, chart_title, first_col, last_col = spec
        chart = kind()
        chart.title = chart_title
        data = Reference(ws, min_col=first_col, max_col=last_col or len(header), min_row=1, max_row=len(rows) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
        ws.add_chart(chart, f"{chr(ord('A') + len(header) + 1)}2")
    wb.save(path)


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics

    for path in CJK_FONTS:
        if path.is_file():
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont("CJK", str(path), subfontIndex=0))
            return "CJK"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _bar(values: list[tuple[str, float]], caption: str, font: str):  # type: ignore[no-untyped-def]
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String

    d = Drawing(460, 170)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, 400, 110
    chart.data = [[v for _, v in values] or [0]]
    chart.categoryAxis.categoryNames = [k for k, _ in values] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    d.add(chart)
    d.add(String(40, 155, caption, fontName=font, fontSize=10))
    return d


def write_pdf(f: dict[str, Any], path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=20, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    story: list[Any] = [
        Paragraph(title(f), h1),
        Paragraph(f"enterprises 企业: {', '.join(e['code'] + ' ' + e['name'] for e in f['enterprises'])}", body),
    ]
    all_tables = tables(f)
    for name, (header, rows) in all_tables.items():
        story.append(Paragraph(name, h2))
        t = Table([header, *[["" if v is None else str(v) for v in r] for r in rows]], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story.append(t)
        if name == "预警 Warnings":
            story.append(_bar([(COLOUR_ZH[c], f["warnings"][c]["raised"]) for c in COLOURS], "预警 warnings by colour", font))
        elif name == "报警企业 Alarms by enterprise":
            story.append(_bar(list(f["alarms"]["per_enterprise"].items()), "报警 alarms per enterprise", font))
        elif name == "离线 Offline":
            story.append(_bar([(o["enterprise"], round(100 * o["online_rate"], 2)) for o in f["offline"]], "在线率 online rate %", font))
        story.append(Spacer(1, 4))
    SimpleDocTemplate(str(path), pagesize=A4, title=title(f), author="scada-hazchem").build(story)
