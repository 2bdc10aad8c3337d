"""Wording of pushes, tasks, notices and reports, in the regulation's terms (one place to change it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from risk.config import COLOURS_ZH

BEIJING = ZoneInfo("Asia/Shanghai")
TIER_ZH = {"city": "市应急管理局", "district": "区应急管理部门", "park": "园区管理机构", "enterprise": "企业"}


def local(t: float) -> str:
    return datetime.fromtimestamp(t, BEIJING).strftime("%Y-%m-%d %H:%M")


def warning_subject(w: dict[str, Any], name: str) -> str:
    return f"【{COLOURS_ZH[w['colour']]}预警】{name}（{w['enterprise']}）"


def warning_body(w: dict[str, Any], name: str, tasks: list[str]) -> str:
    lines = [
        f"{name}（{w['enterprise']}）于 {local(w['raised_at'])} 达到{COLOURS_ZH[w['colour']]}预警等级。",
        f"须在 {local(w['deadline_at'])} 前降低风险等级（预警编号 {w['id']}）。",
    ]
    lines += [f"任务：{t}" for t in tasks]
    return "\n".join(lines)


def task_subject(w: dict[str, Any], name: str, label: str) -> str:
    return f"【{COLOURS_ZH[w['colour']]}预警任务】{name}：{label}"


def notice_title(w: dict[str, Any], name: str) -> str:
    return f"警示通报：{name}{COLOURS_ZH[w['colour']]}预警未及时消警"


def notice_text(w: dict[str, Any], name: str, issuer: str, recipient: str, tasks: list[str]) -> str:
    lines = [
        f"{issuer}向{recipient}发布警示通报：",
        f"{name}（{w['enterprise']}）{COLOURS_ZH[w['colour']]}预警（编号 {w['id']}）于 {local(w['raised_at'])} 发布，"
        f"截至 {local(w['deadline_at'])} 未降低风险等级。",
    ]
    lines += [f"要求：{t}" for t in tasks]
    return "\n".join(lines)


def report_subject(w: dict[str, Any], name: str, kind: str) -> str:
    return f"【{COLOURS_ZH[w['colour']]}预警{'核查' if kind == 'verification' else '处置'}情况报告】{name}"


def closed_subject(w: dict[str, Any], name: str, reason: str) -> str:
    return f"【{COLOURS_ZH[w['colour']]}预警{'已消警' if reason == 'lowered' else '已升级'}】{name}"


def emergency_subject(w: dict[str, Any], name: str) -> str:
    return f"【事故】{name}核查判定为事故，已启动应急预案"
