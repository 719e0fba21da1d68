"""os-vif's translation names, without the translation machinery.

Plugins written for os-vif mark their messages with ``from os_vif.i18n
import _``; that import works here. os-vif ships no message catalogues, so
its ``_`` gives back the text it is handed, and ours does just that, without
importing oslo.i18n. :func:`translate` and :func:`get_available_languages`
hand over to oslo.i18n when the process has already loaded it (a service
that uses it for its own messages), and otherwise answer as oslo.i18n would
for a domain without catalogues.

Names: ``DOMAIN``; ``_``, the translation function; ``_translators``, the
object holding ``_`` and its siblings, as oslo.i18n's ``TranslatorFactory``
does (``primary``, ``contextual_form``, ``plural_form``, ``log_info``,
``log_warning``, ``log_error``, ``log_critical``); :func:`translate`;
:func:`get_available_languages`.
"""

from __future__ import annotations

import sys
from typing import Final

__all__ = ["DOMAIN", "get_available_languages", "translate"]

DOMAIN: Final = "os_vif"


def _identity(message: str) -> str:
    return message


def _contextual_form(context: str, message: str) -> str:
    return message


def _plural_form(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


class _Translators:
    """The translation functions of the ``os_vif`` domain: each returns its text."""

    primary = staticmethod(_identity)
    contextual_form = staticmethod(_contextual_form)
    plural_form = staticmethod(_plural_form)
    log_info = staticmethod(_identity)
    log_warning = staticmethod(_identity)
    log_error = staticmethod(_identity)
    log_critical = staticmethod(_identity)


_translators: Final = _Translators()

#: The translation function, under its well-known name.
_ = _translators.primary


def translate(value: str, user_locale: str) -> str:
    """Translate ``value`` into ``user_locale``.

    Args:
        value: a message; a lazy oslo.i18n message is translated by oslo.i18n.
        user_locale: the locale to translate into.

    Returns:
        The translation; ``value`` itself when oslo.i18n is not loaded, as
        there are no catalogues to translate with.
    """
    oslo_i18n = sys.modules.get("oslo_i18n")
    if oslo_i18n is None:
        return value
    return str(oslo_i18n.translate(value, user_locale))


def get_available_languages() -> list[str]:
    """Return the languages the ``os_vif`` domain can be translated into.

    Returns:
        oslo.i18n's answer when it is loaded; else ``["en_US"]``, the
        untranslated text, as oslo.i18n answers for a domain without
        catalogues.
    """
    oslo_i18n = sys.modules.get("oslo_i18n")
    if oslo_i18n is None:
        return ["en_US"]
    return list(oslo_i18n.get_available_languages(DOMAIN))
