"""The exception tree and its messages, as os-vif 5.3.0 has them."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

import os_vif
from fixtures.objects import make_vif_ovs
from os_vif import exception
from os_vif import i18n as os_vif_i18n
from vif_plug_ovs import constants
from vif_plug_ovs import exception as ovs_exception


def test_plug_and_unplug_failures_are_siblings():
    for cls in (exception.PlugException, exception.UnplugException):
        assert exception.ExceptionBase in cls.__bases__
    assert not issubclass(exception.UnplugException, exception.PlugException)
    assert not issubclass(exception.PlugException, exception.UnplugException)

    def unplug_fails():
        raise exception.UnplugException(vif="vif", err="gone")

    def call_catching_plug_failures(action):
        try:
            action()
        except exception.PlugException:
            pytest.fail("except PlugException caught an unplug failure")

    with pytest.raises(exception.UnplugException):
        call_catching_plug_failures(unplug_fails)


def test_batch_errors_follow_their_verb():
    assert issubclass(exception.BatchPlugError, exception.PlugException)
    assert issubclass(exception.BatchUnplugError, exception.UnplugException)
    assert not issubclass(exception.BatchUnplugError, exception.PlugException)
    assert not issubclass(exception.BatchUnplugError, exception.BatchPlugError)
    assert not issubclass(exception.BatchPlugError, exception.UnplugException)
    failed = os_vif.VIFResult.failed(make_vif_ovs(), OSError("boom"))
    error = exception.BatchUnplugError(results=[failed])
    assert str(error) == f"failed to unplug 1 of 1 VIFs: {failed.vif_id}: boom"
    assert error.err is failed.error
    assert error.failures == (failed,)


VIF = make_vif_ovs()
ERR = OSError(16, "Device or resource busy")

# (class, os-vif's keywords, os-vif 5.3.0's message for them)
OS_VIF_MESSAGES = [
    (exception.ExceptionBase, {}, "An unknown exception occurred."),
    (
        exception.LibraryNotInitialized,
        {},
        "Before using the os_vif library, you need to call os_vif.initialize()",
    ),
    (
        exception.NoMatchingPlugin,
        {"plugin_name": "ovs"},
        "No VIF plugin was found with the name ovs",
    ),
    (
        exception.NoMatchingPortProfileClass,
        {"name": "VIFPortProfileFoo"},
        "No PortProfile class was found with the name VIFPortProfileFoo",
    ),
    (
        exception.NoSupportedPortProfileVersion,
        {"name": "P", "got_versions": "1.0,1.1", "min_version": "2.0", "max_version": "2.1"},
        "PortProfile class P versions 1.0,1.1 do not satisfy min=2.0 max=2.1",
    ),
    (
        exception.NoMatchingVIFClass,
        {"name": "VIFFoo"},
        "No VIF class was found with the name VIFFoo",
    ),
    (
        exception.NoSupportedVIFVersion,
        {"name": "VIFBridge", "got_versions": "1.0", "min_version": "1.1", "max_version": "1.2"},
        "VIF class VIFBridge versions 1.0 do not satisfy min=1.1 max=1.2",
    ),
    (
        exception.PlugException,
        {"vif": VIF, "err": ERR},
        f"Failed to plug VIF {VIF}. Got error: {ERR}",
    ),
    (
        exception.UnplugException,
        {"vif": VIF, "err": "This vif type is not supported by this plugin"},
        f"Failed to unplug VIF {VIF}. Got error: This vif type is not supported by this plugin",
    ),
    (
        exception.NetworkMissingPhysicalNetwork,
        {"network_uuid": "n1"},
        "Physical network is missing for network n1",
    ),
    (
        exception.NetworkInterfaceNotFound,
        {"interface": "eth9"},
        "Network interface eth9 not found",
    ),
    (
        exception.NetworkInterfaceTypeNotDefined,
        {"type": "gre"},
        "Network interface type gre not defined",
    ),
    (
        exception.ExternalImport,
        {},
        "Use of this module outside of os_vif is not allowed. It must not be imported in "
        "os-vif plugins that are out of tree as it is not a public interface of os-vif.",
    ),
    (
        exception.NotImplementedForOS,
        {"function": "set_mtu", "os": "Windows"},
        "Function set_mtu for Windows operating system",
    ),
    (
        ovs_exception.AgentError,
        {"method": "plug"},
        "Error during following call to agent: plug",
    ),
    (
        ovs_exception.MissingPortProfile,
        {},
        "A port profile is mandatory for the OpenVSwitch plugin",
    ),
    (
        ovs_exception.WrongPortProfile,
        {"profile": "VIFPortProfile8021Qbh"},
        "Port profile VIFPortProfile8021Qbh is not a subclass of VIFPortProfileOpenVSwitch",
    ),
    (
        ovs_exception.RepresentorNotFound,
        {"ifname": "pf0", "vf_num": 3},
        "Failed getting representor port for PF pf0 with 3",
    ),
    (
        ovs_exception.PciDeviceNotFoundById,
        {"id": "0000:09:00.1"},
        "PCI device 0000:09:00.1 not found",
    ),
    (
        ovs_exception.TapCreationNotSupported,
        {"vif_type": "VIFBridge"},
        "Tap device creation requested for unsupported VIF type. create_tap is only "
        "supported for VIFOpenVSwitch, got VIFBridge",
    ),
]


@pytest.mark.parametrize(
    ("cls", "kwargs", "expected"), OS_VIF_MESSAGES, ids=[c.__name__ for c, _, _ in OS_VIF_MESSAGES]
)
def test_os_vif_message_for_os_vif_keywords(cls, kwargs, expected, caplog):
    error = cls(**kwargs)
    assert str(error) == expected
    assert error.message == expected
    assert error.format_message() == expected
    assert error.kwargs == kwargs
    assert cls.msg_fmt % kwargs == expected
    assert not caplog.records
    # An explicit message wins, as in os-vif.
    assert str(cls("custom text")) == "custom text"


@pytest.mark.parametrize(
    ("cls", "kwargs"), [(c, k) for c, k, _ in OS_VIF_MESSAGES if k], ids=lambda v: str(v)[:40]
)
def test_os_vif_keywords_are_attributes(cls, kwargs):
    error = cls(**kwargs)
    for key, value in kwargs.items():
        assert getattr(error, key) is value


def test_our_extra_keywords_are_attributes_and_keep_os_vif_message():
    error = exception.PlugException(vif=VIF, err=ERR, plugin="ovs")
    assert str(error) == f"Failed to plug VIF {VIF}. Got error: {ERR}"
    assert error.plugin == "ovs"
    assert error.kwargs == {"vif": VIF, "err": ERR}
    missing = exception.NoMatchingPlugin(plugin_name="x", loaded=("noop", "ovs"))
    assert str(missing) == "No VIF plugin was found with the name x"
    assert missing.loaded == ("noop", "ovs")
    assert isinstance(missing, LookupError)
    in_plugin = exception.NoMatchingVIFClass(name="VIFFoo", plugin_name="ovs")
    assert str(in_plugin) == "No VIF class was found with the name VIFFoo"
    assert in_plugin.plugin_name == "ovs"
    # A reason is the one extra that adds to the message.
    pci = ovs_exception.PciDeviceNotFoundById(id="0000:09:00.1", reason="not a VF")
    assert str(pci) == "PCI device 0000:09:00.1 not found: not a VF"
    assert pci.format_message() == str(pci)


def test_retriable_follows_the_cause_for_both_verbs():
    busy = exception.HostOperationError(step="transact", retriable=True)
    assert exception.PlugException(vif=VIF, err=busy).retriable is True
    assert exception.UnplugException(vif=VIF, err=busy).retriable is True
    assert exception.UnplugException(vif=VIF, err="text").retriable is False
    assert exception.ExceptionBase().retriable is False


def test_exception_base_as_os_vif_has_it():
    assert str(exception.ExceptionBase("test")) == "test"
    assert exception.ExceptionBase("test").format_message() == "test"

    class FakeVIFException(exception.ExceptionBase):
        msg_fmt = "default message: %(foo)s"

    error = FakeVIFException(foo="bar")
    assert str(error) == "default message: bar"
    assert error.kwargs == {"foo": "bar"}
    assert error.args == ("default message: bar",)
    # An empty message counts as none, as in os-vif.
    assert str(FakeVIFException("", foo="bar")) == "default message: bar"
    assert exception.OsVifError is exception.ExceptionBase


def test_keywords_that_do_not_fit_msg_fmt_log_and_fall_back(caplog):
    class FakeVIFException(exception.ExceptionBase):
        msg_fmt = "default message: %(foo)s"

    with caplog.at_level(logging.ERROR, logger="os_vif.exception"):
        error = FakeVIFException(bar="x")
    assert str(error) == "default message: %(foo)s"
    assert error.format_message() == "default message: %(foo)s"
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "FakeVIFException" in record.getMessage()
    assert "KeyError('foo')" in record.getMessage()
    assert record.exc_info is None


def test_a_value_whose_str_raises_does_not_stop_the_raise(caplog):
    class Unprintable:
        def __str__(self):
            raise RuntimeError("no str")

    with caplog.at_level(logging.ERROR, logger="os_vif.exception"):
        error = exception.PlugException(vif=Unprintable(), err=ERR)
    assert str(error) == exception.PlugException.msg_fmt
    assert "no str" in caplog.text


def test_os_vif_keywords_left_out_fall_back_like_os_vif(caplog):
    # os-vif's own HostPluginInfo.get_vif passes vif_name= where the format
    # wants name; os-vif shows the bare format, and so do we.
    with caplog.at_level(logging.ERROR, logger="os_vif.exception"):
        error = exception.NoMatchingVIFClass(vif_name="VIFFoo")
    assert str(error) == "No VIF class was found with the name %(name)s"
    assert error.kwargs == {"vif_name": "VIFFoo"}
    assert str(exception.PlugException(vif=VIF)) == exception.PlugException.msg_fmt


def test_subclasses_written_for_os_vif_set_their_own_format():
    class PortBusy(exception.PlugException):
        msg_fmt = "port %(port)s of %(vif)s is busy"

    error = PortBusy(vif="v1", port="tap0")
    assert str(error) == "port tap0 of v1 is busy"
    assert error.vif == "v1"
    assert isinstance(error, exception.PlugException)


def test_library_not_initialized_raised_as_a_class():
    with pytest.raises(exception.LibraryNotInitialized, match=r"call os_vif\.initialize\(\)"):
        raise exception.LibraryNotInitialized


def test_i18n_names_as_os_vif_has_them():
    from os_vif.i18n import _, _translators

    assert _("text") == "text"
    assert os_vif_i18n.DOMAIN == "os_vif"
    assert _translators.primary("a") == "a"
    assert _translators.contextual_form("ctx", "a") == "a"
    assert _translators.plural_form("one", "many", 1) == "one"
    assert _translators.plural_form("one", "many", 2) == "many"
    for name in ("log_info", "log_warning", "log_error", "log_critical"):
        assert getattr(_translators, name)("a") == "a"
    assert os_vif_i18n.translate("text", "fr") == "text"
    assert os_vif_i18n.get_available_languages() == ["en_US"]


def test_i18n_does_not_import_oslo_i18n():
    code = "import sys, os_vif.i18n, os_vif.exception; print('oslo_i18n' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_ovs_constants_as_os_vif_has_them():
    assert {
        name: getattr(constants, name) for name in constants.__all__
    } == {
        "PLUGIN_NAME": "ovs",
        "OVS_VHOSTUSER_INTERFACE_TYPE": "dpdkvhostuser",
        "OVS_VHOSTUSER_CLIENT_INTERFACE_TYPE": "dpdkvhostuserclient",
        "OVS_VHOSTUSER_PREFIX": "vhu",
        "OVS_DATAPATH_SYSTEM": "system",
        "OVS_DATAPATH_NETDEV": "netdev",
        "OVS_DPDK_INTERFACE_TYPE": "dpdk",
        "DEAD_VLAN": 4095,
        "TRUNK_BR_PREFIX": "tbr-",
    }  # fmt: skip
    from vif_plug_ovs.plugin import PLUGIN_NAME

    assert PLUGIN_NAME is constants.PLUGIN_NAME


def test_ovs_exception_names_as_os_vif_has_them():
    for name in (
        "AgentError", "MissingPortProfile", "WrongPortProfile", "RepresentorNotFound",
        "PciDeviceNotFoundById", "TapCreationNotSupported",
    ):  # fmt: skip
        assert name in ovs_exception.__all__
        assert issubclass(getattr(ovs_exception, name), exception.ExceptionBase)


def test_a_missing_device_is_a_host_operation_error_with_os_vifs_message():
    error = exception.NetworkInterfaceNotFound(interface="tap0")
    assert isinstance(error, exception.HostOperationError)
    assert isinstance(error, LookupError)
    assert str(error) == "Network interface tap0 not found"
    assert (error.step, error.device, error.errno) == ("find device", "tap0", 19)
    assert error.retriable is False


def test_retriable_is_one_read_only_property():
    assert isinstance(vars(exception.ExceptionBase)["retriable"], property)
    for cls in (exception.HostOperationError, exception.PlugException, exception.BatchPlugError):
        assert "retriable" not in vars(cls)
    with pytest.raises(AttributeError):
        exception.ExceptionBase().retriable = True


def test_every_ovsdb_error_is_reachable_from_the_plugins_exception_module():
    from vif_plug_ovs import _ovsdb
    from vif_plug_ovs import exception as ovs_exception

    for name in _ovsdb.errors.__all__:
        assert getattr(ovs_exception, name) is getattr(_ovsdb.errors, name)
        assert name in ovs_exception.__all__
        assert issubclass(getattr(ovs_exception, name), exception.HostOperationError)
