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
    │   ├── UnplugException             unplug failed; the cause is chained
    │   └── BatchPlugError              plug_many: some VIFs failed; carries the
    │       │                           per-VIF report
    │       └── BatchUnplugError        unplug_many: the same (also an
    │                                   UnplugException)
    ├── InvalidDeviceName               an interface name the kernel would refuse
    │                                   (ValueError)
    ├── HostOperationError              a step of host work failed (errno kept)
    ├── NetworkMissingPhysicalNetwork
    ├── NetworkInterfaceNotFound
    └── NetworkInterfaceTypeNotDefined

Every class takes its context as keyword arguments, keeps each as an
attribute, and builds its message in ``__init__``. ``retriable`` tells a caller
whether trying again unchanged may succeed (a busy or restarting daemon).

Plugins written for OpenStack's os-vif subclass :class:`ExceptionBase` with a
``msg_fmt`` class attribute and raise it with keyword arguments; that still
works here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from os_vif._report import VIFResult

__all__ = [
    "BatchPlugError",
    "BatchUnplugError",
    "ConfigError",
    "ExceptionBase",
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
    "OsVifError",
    "PlugException",
    "PrimitiveTooLarge",
    "UnknownPrimitiveField",
    "UnplugException",
    "UnsupportedObjectError",
    "UnsupportedVIF",
]


class ExceptionBase(Exception):
    """Root of every exception raised by os-vif and its plugins.

    Subclasses either build their message in ``__init__`` from typed keyword
    arguments, or (the os-vif 5.x convention, kept for third-party plugins)
    set ``msg_fmt`` and are raised with the keywords it names.
    """

    msg_fmt: ClassVar[str] = "An unknown exception occurred."
    retriable: ClassVar[bool] = False

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError) as exc:
                # A mismatch between msg_fmt and the keywords is a bug in the
                # raiser; say so instead of showing a half-formatted template.
                message = f"{self.msg_fmt} (message formatting failed: {exc!r})"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


OsVifError = ExceptionBase


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

    """

    def __init__(self, *, object_name: str, field: str, value: object, reason: str) -> None:
        self.object_name = object_name
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{object_name}.{field}: {reason} (got {_short(value)})")


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

    def __init__(self) -> None:
        super().__init__(
            "os_vif is not initialized: call os_vif.initialize() before "
            "plug(), unplug() or host_info()"
        )


class NoMatchingPlugin(ExceptionBase, LookupError):
    """No loaded plugin has the name a VIF asks for."""

    def __init__(self, *, plugin_name: str, loaded: tuple[str, ...] = ()) -> None:
        self.plugin_name = plugin_name
        self.loaded = loaded
        known = ", ".join(loaded) if loaded else "none"
        super().__init__(f"no VIF plugin named {plugin_name!r} is loaded (loaded: {known})")


class NoMatchingVIFClass(ExceptionBase, LookupError):
    """A plugin does not declare the VIF class asked for."""

    def __init__(self, *, name: str, plugin_name: str | None = None) -> None:
        self.name = name
        self.plugin_name = plugin_name
        where = f" in plugin {plugin_name!r}" if plugin_name else ""
        super().__init__(f"no VIF class named {name!r}{where}")


class NoMatchingPortProfileClass(ExceptionBase, LookupError):
    """A VIF type does not declare the port profile class asked for."""

    def __init__(self, *, name: str) -> None:
        self.name = name
        super().__init__(f"no port profile class named {name!r}")


class _NoSupportedVersion(ExceptionBase):
    """Two sides share a class but no version of it."""

    kind: ClassVar[str] = ""

    def __init__(self, *, name: str, got_versions: str, min_version: str, max_version: str) -> None:
        self.name = name
        self.got_versions = got_versions
        self.min_version = min_version
        self.max_version = max_version
        super().__init__(
            f"{self.kind} class {name}: versions {got_versions} do not overlap "
            f"{min_version}..{max_version}"
        )


class NoSupportedVIFVersion(_NoSupportedVersion):
    """Two sides share a VIF class but no version of it."""

    kind = "VIF"


class NoSupportedPortProfileVersion(_NoSupportedVersion):
    """Two sides share a port profile class but no version of it."""

    kind = "port profile"


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


def _vif_label(vif: object) -> str:
    vif_id = getattr(vif, "id", None) if vif is not None else None
    kind = type(vif).__name__
    return f"{kind} {vif_id}" if vif_id else kind


class PlugException(ExceptionBase):
    """Plugging a VIF failed; ``__cause__`` holds the underlying error.

    Attributes:
        vif: the VIF being plugged.
        err: the underlying exception.
        plugin: the plugin name, when known.

    """

    verb: ClassVar[str] = "plug"

    def __init__(
        self,
        *,
        vif: object = None,
        err: BaseException | None = None,
        plugin: str | None = None,
    ) -> None:
        self.vif = vif
        self.err = err
        self.plugin = plugin
        via = f" with plugin {plugin!r}" if plugin else ""
        super().__init__(f"failed to {self.verb} {_vif_label(vif)}{via}: {err}")

    @property
    def retriable(self) -> bool:  # type: ignore[override]
        """Whether the underlying error may go away if tried again."""
        return bool(getattr(self.err, "retriable", False))


class UnplugException(PlugException):
    """Unplugging a VIF failed; ``__cause__`` holds the underlying error."""

    verb: ClassVar[str] = "unplug"


class BatchPlugError(PlugException):
    """Some VIFs of a :func:`os_vif.plug_many` batch failed; the others are plugged.

    Every failed VIF is left as it was before the call (nothing half-made);
    ``__cause__`` is the first failure's error.

    Attributes:
        results: the report on every VIF of the batch, in the order given.
        failures: the reports of the VIFs that failed.

    """

    def __init__(self, *, results: Sequence[VIFResult]) -> None:
        self.results = tuple(results)
        self.failures = tuple(r for r in self.results if r.error is not None)
        first = self.failures[0].error if self.failures else None
        PlugException.__init__(self, err=first)
        shown = "; ".join(f"{r.vif_id or '?'}: {r.error}" for r in self.failures[:3])
        more = f"; and {len(self.failures) - 3} more" if len(self.failures) > 3 else ""
        self.message = (
            f"failed to {self.verb} {len(self.failures)} of {len(self.results)} VIFs: {shown}{more}"
        )
        self.args = (self.message,)

    @property
    def retriable(self) -> bool:  # type: ignore[override]
        """Whether every failure may go away if tried again."""
        return bool(self.failures) and all(
            getattr(r.error, "retriable", False) for r in self.failures
        )


class BatchUnplugError(BatchPlugError, UnplugException):
    """Some VIFs of a :func:`os_vif.unplug_many` batch failed; the others are unplugged."""

    verb: ClassVar[str] = "unplug"


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

    @property
    def retriable(self) -> bool:  # type: ignore[override]
        """Whether trying the same step again may succeed."""
        return self._retriable


class NetworkMissingPhysicalNetwork(ExceptionBase):
    """A network has no physical network where one is needed."""

    def __init__(self, *, network_uuid: str) -> None:
        self.network_uuid = network_uuid
        super().__init__(f"physical network is missing for network {network_uuid}")


class NetworkInterfaceNotFound(ExceptionBase, LookupError):
    """A network interface that must exist does not."""

    def __init__(self, *, interface: str) -> None:
        self.interface = interface
        super().__init__(f"network interface {interface!r} not found")


class NetworkInterfaceTypeNotDefined(ExceptionBase):
    """A network interface type is not one we know."""

    def __init__(self, *, type: str) -> None:
        self.type = type
        super().__init__(f"network interface type {type!r} not defined")
