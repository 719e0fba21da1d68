"""Every exception os-vif raises, in one tree.

::

    ExceptionBase                       (alias: OsVifError)
    ├── InvalidObjectData               bad data for a versioned object (ValueError)
    │   ├── InvalidFieldValue           a field was given a value it cannot hold
    │   ├── InvalidTargetVersion        asked to serialize at a version we cannot
    │   └── InvalidPrimitive            a primitive (wire form) that cannot be read
    │       ├── UnsupportedObjectError  unknown object name or foreign namespace
    │       ├── IncompatibleObjectVersion  too new (carries our newest version)
    │       │   └── HostInfoTooNew      ... a HostInfo: carries a version manifest
    │       ├── MissingPrimitiveData    a required key or field is absent
    │       ├── UnknownPrimitiveField   a field the object does not have
    │       └── PrimitiveTooLarge       nesting or size beyond the safety limits
    ├── FieldNotSet                     read of an unset field without default
    │                                   (AttributeError)
    ├── LibraryNotInitialized
    ├── NoMatchingPlugin                (LookupError)
    ├── NoMatchingVIFClass              (LookupError)
    ├── NoMatchingPortProfileClass      (LookupError)
    ├── NoSupportedVIFVersion
    ├── NoSupportedPortProfileVersion
    ├── UnsupportedVIF                  a plugin asked to plug a type it did
    │                                   not declare
    ├── NegotiationFailed               the network side refused, or sent a VIF
    │                                   this host cannot plug
    ├── ConfigError                     bad configuration (file, section, option)
    ├── PlugException                   plug failed; the cause is chained
    │   └── BatchPlugError              plug_many: some VIFs failed; carries the
    │                                   per-VIF report
    ├── UnplugException                 unplug failed; the cause is chained
    │   └── BatchUnplugError            unplug_many: the same
    ├── InvalidDeviceName               an interface name the kernel would refuse
    │                                   (ValueError)
    ├── HostOperationError              a step of host work failed (errno kept)
    │   ├── NetworkInterfaceNotFound    (LookupError) a device missing, or gone
    │   │                               mid-way
    │   ├── DeviceConflictError         os_vif.linux.errors: a device in the
    │   │                               way that is not ours
    │   └── OvsdbError ...              vif_plug_ovs.exception: every OVSDB
    │                                   failure (connection, timeout, refused
    │                                   transaction, ...)
    ├── NetworkMissingPhysicalNetwork
    ├── NetworkInterfaceTypeNotDefined
    ├── ExternalImport                  os-vif's; kept for plugins that raise it
    └── NotImplementedForOS             os-vif's; kept for plugins that raise it

``PlugException`` and ``UnplugException`` are siblings, as in os-vif:
``except PlugException`` does not catch a failed unplug.

Messages. A class that os-vif has formats its ``msg_fmt`` with os-vif's
keywords, so its message is os-vif's word for word (``PlugException(vif=vif,
err=err)`` reads ``Failed to plug VIF <vif>. Got error: <err>``). The extra
keywords some of them take here (``plugin``, ``loaded``, ...) are kept as
attributes and leave the message alone; only a ``reason`` is appended to it.
The classes os-vif does not have take typed keyword-only arguments, keep
each as an attribute and build their message in ``__init__``.
``retriable`` tells a caller whether trying again unchanged may succeed (a
busy or restarting daemon).

Plugins written for OpenStack's os-vif subclass :class:`ExceptionBase` with a
``msg_fmt`` class attribute and raise it with keyword arguments; that works
here as it does there, including the fallback: keywords that do not fill
``msg_fmt`` are logged as an error and the message is ``msg_fmt`` itself.
"""

from __future__ import annotations

import errno
import logging
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from os_vif._report import VIFResult

__all__ = [
    "BatchPlugError",
    "BatchUnplugError",
    "ConfigError",
    "ExceptionBase",
    "ExternalImport",
    "FieldNotSet",
    "HostInfoTooNew",
    "HostOperationError",
    "IncompatibleObjectVersion",
    "InvalidDeviceName",
    "InvalidFieldValue",
    "InvalidObjectData",
    "InvalidPrimitive",
    "InvalidTargetVersion",
    "LibraryNotInitialized",
    "MissingPrimitiveData",
    "NegotiationFailed",
    "NetworkInterfaceNotFound",
    "NetworkInterfaceTypeNotDefined",
    "NetworkMissingPhysicalNetwork",
    "NoMatchingPlugin",
    "NoMatchingPortProfileClass",
    "NoMatchingVIFClass",
    "NoSupportedPortProfileVersion",
    "NoSupportedVIFVersion",
    "NotImplementedForOS",
    "OsVifError",
    "PlugException",
    "PrimitiveTooLarge",
    "UnknownPrimitiveField",
    "UnplugException",
    "UnsupportedObjectError",
    "UnsupportedVIF",
]

LOG = logging.getLogger(__name__)


class ExceptionBase(Exception):
    """Root of every exception raised by os-vif and its plugins.

    As in os-vif, a subclass sets ``msg_fmt`` and is raised with the keywords
    it names; a message given explicitly is used as it is instead. Keywords
    that do not fill ``msg_fmt`` (one missing, a bad conversion) are a bug in
    the raiser: they are logged as an error and the message is ``msg_fmt``
    itself, so raising never fails.

    Args:
        message: the message; when empty, ``msg_fmt % kwargs``.
        **kwargs: the values ``msg_fmt`` names.

    Attributes:
        message: the message, as ``str()`` and :meth:`format_message` give it.
        kwargs: the keywords given.
    """

    msg_fmt: ClassVar[str] = "An unknown exception occurred."
    # Set by the classes whose answer depends on the case (a host step, the
    # cause of a failed plug); read through ``retriable`` only.
    _retriable: bool = False

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if not message:
            message = _format(type(self), kwargs)
        self.message = message
        super().__init__(message)

    @property
    def retriable(self) -> bool:
        """Whether trying the same call again, unchanged, may succeed.

        True for a busy or restarting daemon, a lost connection, a timeout;
        for a failed plug or unplug, what its cause says; False otherwise.
        """
        return self._retriable

    def format_message(self) -> str:
        """Return the message (what ``str()`` gives), as os-vif's does."""
        return str(self.args[0]) if self.args else self.message


OsVifError = ExceptionBase


def _format(cls: type[ExceptionBase], kwargs: dict[str, Any]) -> str:
    try:
        return cls.msg_fmt % kwargs
    except Exception as exc:  # a value's own __str__ may raise anything
        problem = exc
    # Logged without a traceback: it would point here, not at the raiser.
    LOG.error(
        "%s: msg_fmt %r cannot be filled from keywords %s: %r",
        cls.__name__,
        cls.msg_fmt,
        sorted(kwargs),
        problem,
    )
    return cls.msg_fmt


def _given(**keywords: object) -> dict[str, object]:
    # None counts as not given: a keyword left out leaves msg_fmt unfilled,
    # and the message falls back to it, as os-vif's would.
    return {key: value for key, value in keywords.items() if value is not None}


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- versioned objects -------------------------------------------------------


class InvalidObjectData(ExceptionBase, ValueError):
    """Data given to a versioned object could not be accepted."""


class InvalidFieldValue(InvalidObjectData):
    """A field was given a value it cannot hold.

    Attributes:
        object_name: the versioned object's class name.
        field: the field name.
        value: the rejected value.
        reason: why it was rejected.
        path: where the field is in the primitive being read (for example
            ``network.subnets.objects[0].ips.objects[0].address``), or ``""``
            when the value was not read from a primitive.

    """

    def __init__(
        self, *, object_name: str, field: str, value: object, reason: str, path: str = ""
    ) -> None:
        self.object_name = object_name
        self.field = field
        self.value = value
        self.reason = reason
        self.path = path
        where = f" at {path}" if path and path != field else ""
        super().__init__(f"{object_name}.{field}{where}: {reason} (got {_short(value)})")


class InvalidTargetVersion(InvalidObjectData):
    """An object was asked for a version it cannot be serialized at."""

    def __init__(self, *, object_name: str, version: str, reason: str) -> None:
        self.object_name = object_name
        self.version = version
        self.reason = reason
        super().__init__(f"cannot serialize {object_name} at version {version!r}: {reason}")


class InvalidPrimitive(InvalidObjectData):
    """A primitive (the wire form of an object) could not be read.

    Attributes:
        path: where in the primitive the problem is, as a dotted path.
        reason: what is wrong there.

    """

    def __init__(self, *, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"invalid primitive at {path or '<root>'}: {reason}")


class UnsupportedObjectError(InvalidPrimitive):
    """The primitive names an object we do not know, or another namespace."""

    def __init__(self, *, path: str, namespace: str, object_name: str) -> None:
        self.namespace = namespace
        self.object_name = object_name
        super().__init__(
            path=path,
            reason=f"unsupported object type {namespace}.{object_name}",
        )


class IncompatibleObjectVersion(InvalidPrimitive):
    """The primitive's version is one we cannot read.

    Attributes:
        object_name: the object named in the primitive.
        version: the version the primitive carries.
        supported: the newest version of that object we implement; a sender
            can backlevel to it and try again.

    """

    def __init__(self, *, path: str, object_name: str, version: str, supported: str) -> None:
        self.object_name = object_name
        self.version = version
        self.supported = supported
        super().__init__(
            path=path,
            reason=(
                f"{object_name} version {version} is not supported; "
                f"the newest supported is {supported}"
            ),
        )


class HostInfoTooNew(IncompatibleObjectVersion):
    """A HostInfo primitive is newer than this side understands.

    Attributes:
        manifest: the newest version of each HostInfo class this side reads;
            the sender backlevels its HostInfo to it and tries again.
    """

    def __init__(self, *, cause: IncompatibleObjectVersion, manifest: dict[str, str]) -> None:
        self.manifest = manifest
        super().__init__(
            path=cause.path,
            object_name=cause.object_name,
            version=cause.version,
            supported=cause.supported,
        )


class MissingPrimitiveData(InvalidPrimitive):
    """A key the wire format requires, or a required field, is absent."""


class UnknownPrimitiveField(InvalidPrimitive):
    """The primitive sets a field the object (at that version) does not have."""


class PrimitiveTooLarge(InvalidPrimitive):
    """The primitive is nested deeper, or is bigger, than we accept."""


class FieldNotSet(ExceptionBase, AttributeError):
    """A field without a default was read before it was set."""

    def __init__(self, *, object_name: str, field: str) -> None:
        self.object_name = object_name
        self.field = field
        super().__init__(f"{object_name}.{field} is not set and has no default")


# --- library and plugins -----------------------------------------------------


class LibraryNotInitialized(ExceptionBase):
    """The library was used before :func:`os_vif.initialize` was called."""

    msg_fmt = "Before using the os_vif library, you need to call os_vif.initialize()"


class NoMatchingPlugin(ExceptionBase, LookupError):
    """No loaded plugin has the name a VIF asks for.

    Attributes:
        plugin_name: the name asked for.
        loaded: the names of the plugins that are loaded, when known.
    """

    msg_fmt = "No VIF plugin was found with the name %(plugin_name)s"

    def __init__(
        self,
        message: str | None = None,
        *,
        plugin_name: str | None = None,
        loaded: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        self.plugin_name = plugin_name
        self.loaded = loaded
        super().__init__(message, **_given(plugin_name=plugin_name), **kwargs)


class NoMatchingVIFClass(ExceptionBase, LookupError):
    """No VIF class has the name asked for (here, or in a plugin's declaration).

    Attributes:
        name: the VIF class name.
        plugin_name: the plugin whose declaration was searched, when one was.
    """

    msg_fmt = "No VIF class was found with the name %(name)s"

    def __init__(
        self,
        message: str | None = None,
        *,
        name: str | None = None,
        plugin_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.name = name
        self.plugin_name = plugin_name
        super().__init__(message, **_given(name=name), **kwargs)


class NoMatchingPortProfileClass(ExceptionBase, LookupError):
    """No port profile class has the name asked for.

    Attributes:
        name: the port profile class name.
    """

    msg_fmt = "No PortProfile class was found with the name %(name)s"

    def __init__(
        self, message: str | None = None, *, name: str | None = None, **kwargs: Any
    ) -> None:
        self.name = name
        super().__init__(message, **_given(name=name), **kwargs)


class _NoSupportedVersion(ExceptionBase):
    """Two sides share a class but no version of it.

    Attributes:
        name: the class name.
        got_versions: the versions this side has, comma-separated.
        min_version: the oldest version the other side accepts.
        max_version: the newest version the other side accepts.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        name: str | None = None,
        got_versions: str | None = None,
        min_version: str | None = None,
        max_version: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.name = name
        self.got_versions = got_versions
        self.min_version = min_version
        self.max_version = max_version
        given = _given(
            name=name, got_versions=got_versions, min_version=min_version, max_version=max_version
        )
        super().__init__(message, **given, **kwargs)


class NoSupportedVIFVersion(_NoSupportedVersion):
    """Two sides share a VIF class but no version of it."""

    msg_fmt = (
        "VIF class %(name)s versions %(got_versions)s "
        "do not satisfy min=%(min_version)s max=%(max_version)s"
    )


class NoSupportedPortProfileVersion(_NoSupportedVersion):
    """Two sides share a port profile class but no version of it."""

    msg_fmt = (
        "PortProfile class %(name)s versions %(got_versions)s "
        "do not satisfy min=%(min_version)s max=%(max_version)s"
    )


class UnsupportedVIF(ExceptionBase):
    """A VIF was handed to a plugin that does not declare its type."""

    def __init__(self, *, plugin_name: str, vif_class: str, version: str) -> None:
        self.plugin_name = plugin_name
        self.vif_class = vif_class
        self.version = version
        super().__init__(f"plugin {plugin_name!r} does not support {vif_class} {version}")


class NegotiationFailed(ExceptionBase):
    """The network side answered with an error, or with a VIF we cannot plug.

    Attributes:
        kind: the error's type name, as the network side (or our check) gave it.
    """

    def __init__(self, *, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(f"VIF negotiation failed: {kind}: {message}")


class ConfigError(ExceptionBase, ValueError):
    """The configuration could not be used.

    Attributes:
        source: the file the option came from, or ``"<mapping>"``.
        section: the section (``os_vif_<plugin>``) or plugin name.
        option: the option name, or ``None`` when the problem is the section.
        reason: what is wrong.

    """

    def __init__(
        self,
        *,
        source: str,
        section: str,
        option: str | None,
        reason: str,
    ) -> None:
        self.source = source
        self.section = section
        self.option = option
        self.reason = reason
        where = f"[{section}]" + (f" {option}" if option else "")
        super().__init__(f"{source}: {where}: {reason}")


# --- plug and unplug ---------------------------------------------------------


class _VIFFailure(ExceptionBase):
    """What PlugException and UnplugException share (not a class os-vif has).

    Attributes:
        vif: the VIF acted on.
        err: the underlying error (os-vif's plugins sometimes give a string).
        plugin: the plugin name, when known.
    """

    verb: ClassVar[str]

    def __init__(
        self,
        message: str | None = None,
        *,
        vif: object = None,
        err: object = None,
        plugin: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.vif = vif
        self.err = err
        self.plugin = plugin
        self._retriable = bool(getattr(err, "retriable", False))
        super().__init__(message, **_given(vif=vif, err=err), **kwargs)


# ExceptionBase is named as a direct base, as os-vif's hierarchy has it.
class PlugException(_VIFFailure, ExceptionBase):
    """Plugging a VIF failed; ``__cause__`` (and ``err``) hold the underlying error."""

    msg_fmt = "Failed to plug VIF %(vif)s. Got error: %(err)s"
    verb = "plug"


class UnplugException(_VIFFailure, ExceptionBase):
    """Unplugging a VIF failed; ``__cause__`` (and ``err``) hold the underlying error."""

    msg_fmt = "Failed to unplug VIF %(vif)s. Got error: %(err)s"
    verb = "unplug"


class _BatchFailure(_VIFFailure):
    """What BatchPlugError and BatchUnplugError share.

    Attributes:
        results: the report on every VIF of the batch, in the order given.
        failures: the reports of the VIFs that failed.
    """

    err: BaseException | None

    def __init__(self, *, results: Sequence[VIFResult]) -> None:
        self.results = tuple(results)
        self.failures = tuple(r for r in self.results if r.error is not None)
        shown = "; ".join(f"{r.vif_id or '?'}: {r.error}" for r in self.failures[:3])
        more = f"; and {len(self.failures) - 3} more" if len(self.failures) > 3 else ""
        message = (
            f"failed to {self.verb} {len(self.failures)} of {len(self.results)} VIFs: {shown}{more}"
        )
        super().__init__(message, err=self.failures[0].error if self.failures else None)
        # The batch may succeed when tried again only if every failure may.
        self._retriable = bool(self.failures) and all(
            getattr(r.error, "retriable", False) for r in self.failures
        )


class BatchPlugError(_BatchFailure, PlugException):
    """Some VIFs of a :func:`os_vif.plug_many` batch failed; the others are plugged.

    Every failed VIF is left as it was before the call (nothing half-made);
    ``__cause__`` and ``err`` are the first failure's error.

    Attributes:
        results: the report on every VIF of the batch, in the order given.
        failures: the reports of the VIFs that failed.
    """


class BatchUnplugError(_BatchFailure, UnplugException):
    """Some VIFs of a :func:`os_vif.unplug_many` batch failed; the others are unplugged.

    Attributes:
        results: the report on every VIF of the batch, in the order given.
        failures: the reports of the VIFs that failed.
    """


# --- host work ---------------------------------------------------------------


class InvalidDeviceName(ExceptionBase, ValueError):
    """A network device name the kernel would refuse."""

    def __init__(self, *, name: object, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid device name {_short(name)}: {reason}")


class HostOperationError(ExceptionBase):
    """A step of host work (netlink, OVSDB, file system) failed.

    Attributes:
        step: what was being done, e.g. ``"create bridge"``.
        device: the device or resource acted on, when there is one.
        errno: the operating system error number, when there is one.
        detail: the underlying error's text.

    """

    def __init__(
        self,
        *,
        step: str,
        device: str | None = None,
        errno: int | None = None,
        detail: str = "",
        retriable: bool = False,
    ) -> None:
        self.step = step
        self.device = device
        self.errno = errno
        self.detail = detail
        self._retriable = retriable
        on = f" {device!r}" if device else ""
        code = f" [errno {errno}]" if errno is not None else ""
        tail = f": {detail}" if detail else ""
        super().__init__(f"{step}{on} failed{code}{tail}")


class NetworkMissingPhysicalNetwork(ExceptionBase):
    """A network has no physical network where one is needed.

    Attributes:
        network_uuid: the network's id.
    """

    msg_fmt = "Physical network is missing for network %(network_uuid)s"

    def __init__(
        self, message: str | None = None, *, network_uuid: str | None = None, **kwargs: Any
    ) -> None:
        self.network_uuid = network_uuid
        super().__init__(message, **_given(network_uuid=network_uuid), **kwargs)


class NetworkInterfaceNotFound(HostOperationError, LookupError):
    """A network interface that must exist does not (or vanished mid-way).

    A host operation error like any other failed step (``step`` "find
    device", ``errno`` ENODEV), with os-vif's message.

    Attributes:
        interface: the interface name (also ``device``).
    """

    msg_fmt = "Network interface %(interface)s not found"

    def __init__(
        self, message: str | None = None, *, interface: str | None = None, **kwargs: Any
    ) -> None:
        self.interface = interface
        self.step = "find device"
        self.device = interface
        self.errno = errno.ENODEV
        self.detail = ""
        ExceptionBase.__init__(self, message, **_given(interface=interface), **kwargs)


class NetworkInterfaceTypeNotDefined(ExceptionBase):
    """A network interface type is not one we know.

    Attributes:
        type: the interface type.
    """

    msg_fmt = "Network interface type %(type)s not defined"

    def __init__(
        self, message: str | None = None, *, type: str | None = None, **kwargs: Any
    ) -> None:
        self.type = type
        super().__init__(message, **_given(type=type), **kwargs)


class ExternalImport(ExceptionBase):
    """os-vif's guard against importing its internals from outside; never raised here.

    Our private modules are marked by a leading underscore instead.
    """

    msg_fmt = (
        "Use of this module outside of os_vif is not allowed. It must not be "
        "imported in os-vif plugins that are out of tree as it is not a public "
        "interface of os-vif."
    )


class NotImplementedForOS(ExceptionBase):
    """A function is not available on this operating system.

    Attributes:
        function: the function's name.
        os: the operating system's name.
    """

    msg_fmt = "Function %(function)s for %(os)s operating system"

    def __init__(
        self,
        message: str | None = None,
        *,
        function: str | None = None,
        os: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.function = function
        self.os = os
        super().__init__(message, **_given(function=function, os=os), **kwargs)
