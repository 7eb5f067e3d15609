"""Readers of adapter settings (environment variables or the app config).

Each adapter passes its own settings error class, called as ``error(key, reason)``.

>>> reader = SettingsReader({"A": " x ", "N": "2.5", "R": "1.5"}, KeyError)
>>> reader.text("A"), reader.text("B", "d"), reader.number("N", "1", 0, 10)
('x', 'd', 2.5)
>>> reader.text("B")
Traceback (most recent call last):
...
KeyError: ('B', 'required')
>>> reader.whole_number("R", "2", 0, 10)
Traceback (most recent call last):
...
KeyError: ('R', 'not a whole number')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

__all__ = ["SettingsReader"]


class SettingsReader:
    """Reads text and numeric settings, naming the setting in every error.

    :param settings: the settings, e.g. :data:`os.environ` or the app config.
    :param error: builds the error to raise from ``(key, reason)``.
    """

    def __init__(
        self, settings: Mapping[str, str], error: Callable[[str, str], Exception]
    ) -> None:
        self._settings = settings
        self._error = error

    def text(self, key: str, default: str | None = None) -> str:
        """The setting, stripped; ``default`` when it is missing or blank.

        :param key: the setting's name.
        :param default: the value of a missing setting; ``None`` makes it required.
        :raises Exception: the adapter's error (reason ``required``) for a missing required
            setting.
        """
        value = str(self._settings.get(key) or "").strip()
        if value:
            return value
        if default is None:
            raise self._error(key, "required")
        return default

    def number(self, key: str, default: str, low: float, high: float) -> float:
        """The setting as a finite number between ``low`` and ``high`` (a duration, not money).

        :param key: the setting's name.
        :param default: the text of the default value.
        :param low: the smallest value accepted.
        :param high: the largest value accepted.
        :raises Exception: the adapter's error for text that is not a number or out of range.
        """
        raw = self.text(key, default)
        try:
            value = float(raw)
        except ValueError:
            raise self._error(key, f"not a number: {raw}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise self._error(key, f"not between {low:g} and {high:g}")
        return value

    def whole_number(self, key: str, default: str, low: int, high: int) -> int:
        """The setting as a whole number between ``low`` and ``high``.

        :param key: the setting's name.
        :param default: the text of the default value.
        :param low: the smallest value accepted.
        :param high: the largest value accepted.
        :raises Exception: the adapter's error, as :meth:`number`, or ``not a whole number``.
        """
        value = self.number(key, default, low, high)
        if value != int(value):
            raise self._error(key, "not a whole number")
        return int(value)
