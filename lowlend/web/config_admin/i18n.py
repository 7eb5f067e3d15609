"""Translated strings of the configuration screens.

``_`` (gettext) and ``_l`` (lazy_gettext) are the extraction keywords of
``make translations-extract``; until lowlend's catalogue carries a msgid, the
Chinese text of :data:`ZH_FALLBACK` is used for ``zh*`` locales (the catalogue
always wins once it translates the msgid).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext
from flask_babel.speaklater import LazyString

__all__ = ["ZH_FALLBACK", "_", "_l"]

#: msgid → Chinese, for the msgids of this package that the catalogue may not have yet.
ZH_FALLBACK: dict[str, str] = {
    "New application: %(label)s": "新申请：%(label)s",
    "Loan products": "贷款产品",
    "Fee schedules": "费用方案",
    "Approval chains": "审批流程",
    "Notification templates": "通知模板",
    "Compliance regions": "合规地区",
    "Configuration versions": "配置版本",
    "Configuration is valid.": "配置校验通过。",
    "Configuration is invalid: %(count)s error(s).": "配置有误：共 %(count)s 处错误。",
    "Published configuration version %(number)s.": "已发布配置版本 %(number)s。",
    "Nothing changed: version %(number)s is already current.": "没有变化：版本 %(number)s 已是当前版本。",
    "Rolled back to version %(target)s as version %(number)s.": "已回滚到版本 %(target)s（新版本 %(number)s）。",
    "No configuration has been published yet.": "尚未发布任何配置。",
    "Unknown configuration item: %(code)s": "未知配置项：%(code)s",
    "Unknown configuration version: %(number)s": "未知配置版本：%(number)s",
    "An item with code %(code)s already exists.": "代码为 %(code)s 的配置项已存在。",
    "Invalid code: use letters, digits, '_' or '-', starting with a letter.": "代码无效：须以字母开头，只能包含字母、数字、“_”或“-”。",
    "The file changed since you opened it (now version %(number)s): reload and edit again.": "打开后该文件已被他人修改（当前版本 %(number)s）：请重新加载后再编辑。",
    "Publishing failed: %(error)s": "发布失败：%(error)s",
    "No differences.": "没有差异。",
}


def _translate(msgid: str, **variables: Any) -> str:
    text = gettext(msgid) if has_request_context() else msgid
    if text == msgid and has_request_context():
        from lowlend.web.menu import current_locale_key

        try:
            zh = current_locale_key().lower().startswith("zh")
        except Exception:
            zh = False
        if zh and msgid in ZH_FALLBACK:
            text = ZH_FALLBACK[msgid]
    return text % variables if variables else text


def _(msgid: str, **variables: Any) -> str:
    """``gettext`` with the Chinese fallback."""
    return _translate(msgid, **variables)


def _l(msgid: str, **variables: Any) -> LazyString:
    """``lazy_gettext`` with the Chinese fallback."""
    return LazyString(_translate, msgid, **variables)
