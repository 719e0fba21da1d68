"""The stamp plugin's exceptions, in os-vif's style: a msg_fmt per class."""

from os_vif import exception as osv_exception
from os_vif.i18n import _


class StampRefused(osv_exception.ExceptionBase):
    msg_fmt = _("The stamp plugin refuses to plug %(vif_name)s: %(reason)s")


class NotStamped(osv_exception.ExceptionBase):
    msg_fmt = _("No stamp for VIF %(vif_id)s in %(state_dir)s")
