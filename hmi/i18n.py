"""Screen texts: zh-CN first, English on request (``/lang/en``); the choice lives in the Flask session."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app.title": ("危险化学品安全生产风险监测预警系统", "Hazardous-chemical risk monitoring"),
    "nav.overview": ("总览", "Overview"),
    "nav.alarms": ("报警", "Alarms"),
    "nav.journal": ("报警日志", "Alarm journal"),
    "nav.trends": ("趋势", "Trends"),
    "nav.video": ("视频", "Video"),
    "nav.warnings": ("预警", "Warnings"),
    "nav.governance": ("治理", "Governance"),
    "nav.engineering": ("工程", "Engineering"),
    "nav.pending": ("待接入", "not yet available"),
    "auth.user": ("用户名", "User name"),
    "auth.password": ("密码", "Password"),
    "auth.signin": ("登录", "Sign in"),
    "auth.signout": ("退出", "Sign out"),
    "auth.bad": ("用户名或密码错误", "Wrong user name or password"),
    "auth.locked": ("账户已锁定，请稍后再试或联系管理员", "Account locked: try again later or ask an administrator"),
    "auth.expired": ("会话已超时，请重新登录", "Your session timed out: sign in again"),
    "conn.lost": ("与服务器的连接中断 — 数据已过时", "Connection to the server lost — values are stale"),
    "conn.ok": ("在线", "Live"),
    "banner.none": ("无未确认报警", "No unacknowledged alarms"),
    "banner.unacked": ("未确认报警", "unacknowledged alarms"),
    "banner.silence": ("消音", "Silence"),
    "banner.feed": ("条新预警通知", "new warning notifications"),
    "banner.seen": ("已阅", "Seen"),
    "forbidden": ("超出权限范围", "Outside your scope"),
    "notfound": ("页面不存在", "Page not found"),
    "prio.critical": ("紧急", "Critical"),
    "prio.high": ("高", "High"),
    "prio.medium": ("中", "Medium"),
    "prio.low": ("低", "Low"),
    "wl.red": ("红色", "Red"),
    "wl.orange": ("橙色", "Orange"),
    "wl.yellow": ("黄色", "Yellow"),
    "wl.blue": ("蓝色", "Blue"),
    "wl.none": ("正常", "Normal"),
    "wl.unrated": ("未评估", "Not evaluated yet"),
    "ov.enterprises": ("企业预警等级", "Enterprises by warning level"),
    "ov.alarms": ("活动报警（按优先级）", "Active alarms by priority"),
    "ov.gateways": ("物联网主机离线", "Gateways offline"),
    "ov.commitments": ("今日未承诺", "Commitments missing today"),
    "ov.na": ("未接入", "n/a"),
    "ov.interim": ("预警模块接入前按最高报警优先级着色", "Coloured by worst active alarm until the warning workflow is connected"),
    "ent.hazards": ("重大危险源", "Major hazard sources"),
    "ent.level": ("级别", "Level"),
    "ent.devices": ("设备与物联网主机", "Devices and gateway"),
    "ent.cameras": ("摄像机", "Cameras"),
    "ent.alarms": ("活动报警", "Active alarms"),
    "ent.warning": ("当前预警", "Current warning"),
    "ent.mimic": ("工艺画面", "Mimic"),
    "ent.online": ("在线", "online"),
    "ent.offline": ("离线", "offline"),
    "ent.unknown": ("未知", "unknown"),
    "fp.limits": ("报警限值", "Alarm limits"),
    "fp.range": ("量程", "Range"),
    "fp.quality": ("质量", "Quality"),
    "fp.trend": ("近1小时趋势", "Last hour"),
    "fp.close": ("关闭", "Close"),
    "fp.service": ("投用状态", "Service"),
    "oos": ("停用", "out of service"),
    "oos.declared": ("停用报备", "declaration"),
    "al.title": ("报警汇总", "Alarm summary"),
    "al.ack": ("确认所选", "Acknowledge selected"),
    "al.shelve": ("搁置所选", "Shelve selected"),
    "al.note": ("确认备注（高优先级必填）", "Note (required for high priorities)"),
    "al.reason": ("搁置原因", "Shelve reason"),
    "al.duration": ("搁置时长（分钟）", "Shelve for (minutes)"),
    "al.filter.priority": ("优先级", "Priority"),
    "al.filter.state": ("状态", "State"),
    "al.filter.enterprise": ("企业", "Enterprise"),
    "al.done": ("已处理", "Done"),
    "al.none": ("未选择报警", "No alarm selected"),
    "al.denied": ("无权执行该操作", "Your role may not do this"),
    "jr.title": ("报警日志查询", "Alarm journal"),
    "jr.search": ("查询", "Search"),
    "jr.hours": ("最近小时数", "Last hours"),
    "jr.source": ("点位 (可用 * 结尾)", "Point (may end with *)"),
    "jr.export": ("导出", "Export"),
    "tr.title": ("历史趋势", "Trends"),
    "tr.points": ("点位", "Points"),
    "tr.range": ("时间范围", "Range"),
    "tr.export_csv": ("导出 CSV", "Export CSV"),
    "tr.export_xlsx": ("导出 Excel", "Export xlsx"),
    "tr.nohistorian": ("历史库未运行", "Historian not running"),
    "tr.aggregated": ("已聚合", "aggregated"),
    "tr.raw": ("原始值", "raw"),
    "vw.title": ("视频墙", "Video wall"),
    "vw.none": ("范围内无摄像机", "No cameras in your scope"),
}


def t(key: str, lang: str = "zh") -> str:
    pair = TEXTS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def current_lang() -> str:
    from flask import has_request_context, session

    return session.get("lang", "zh") if has_request_context() else "zh"


def tr(key: str) -> str:
    """``t`` in the language of the current request."""
    return t(key, current_lang())
