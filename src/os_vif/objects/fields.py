"""Field types of the versioned objects: coercion, validation and wire form.

A field is declared on an object class as ``name: <python type> = XField()``.
Each factory returns a :class:`Field` descriptor (typed as ``Any`` so that the
annotation, not the descriptor, is what type checkers see). Assigning to a
field coerces and validates the value; a value that cannot be coerced raises
:class:`os_vif.exception.InvalidFieldValue` naming the object, field and value.

The wire forms are those of oslo.versionedobjects as used by os-vif 5.x:
scalars as JSON scalars, MAC addresses lower-case with colons, IP addresses and
networks in their text form, PCI addresses as ``dddd:bb:ss.f``.
"""

from __future__ import annotations

import copy
import ipaddress
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

from os_vif import exception
from os_vif.objects import _ipvalues

if TYPE_CHECKING:
    from os_vif.objects.base import VersionedObject

__all__ = [
    "BooleanField",
    "DictOfObjectsField",
    "EnumField",
    "Field",
    "FieldFactory",
    "FieldValueError",
    "IPAddressField",
    "IPNetworkField",
    "IntegerField",
    "ListOfIPAddressField",
    "ListOfObjectsField",
    "MACAddressField",
    "ObjectField",
    "PCIAddressField",
    "StringField",
    "UUIDField",
    "VIFDirectMode",
    "VIFDirectModeField",
    "VIFHostDeviceDevType",
    "VIFHostDeviceDevTypeField",
    "VIFVHostUserMode",
    "VIFVHostUserModeField",
]

T = TypeVar("T")

#: The python type of an IP address field (standard ``ipaddress`` subclasses).
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: The python type of an IP network field: an address with its prefix length.
IPNetwork = ipaddress.IPv4Interface | ipaddress.IPv6Interface


class _Unset:
    """Marker for "no default" (``None`` is a legitimate default)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


class FieldValueError(ValueError):
    """Raised by a coercer; the field descriptor adds object and field names."""


# --- enum helpers (the constants callers use) --------------------------------


class VIFVHostUserMode:
    """Which side of a vhost-user socket is the server."""

    CLIENT: Final = "client"
    SERVER: Final = "server"
    ALL: Final = (CLIENT, SERVER)


class VIFDirectMode:
    """How a VIFDirect (macvtap) device forwards traffic."""

    VEPA: Final = "vepa"
    PASSTHROUGH: Final = "passthrough"
    BRIDGE: Final = "bridge"
    ALL: Final = (VEPA, PASSTHROUGH, BRIDGE)


class VIFHostDeviceDevType:
    """What kind of host device a VIFHostDevice passes through."""

    ETHERNET: Final = "ethernet"
    GENERIC: Final = "generic"
    ALL: Final = (ETHERNET, GENERIC)


# --- coercers: value -> normalised python value ------------------------------


def _coerce_string(value: Any) -> str:
    # oslo's StringField turns numbers into their text; so do we, since peers
    # running os-vif accept the same input and send the same text.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise FieldValueError(f"expected a string, not {type(value).__name__}")


_UUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _coerce_uuid(value: Any) -> str:
    # The text is kept exactly as given (os-vif sends str(value) unchanged), so
    # the wire form matches a peer's byte for byte. os-vif only warns about a
    # malformed UUID; we refuse it, since every consumer expects a real one.
    # uuid costs milliseconds to import; if it is not loaded, value is no UUID.
    uuid_module = sys.modules.get("uuid")
    if uuid_module is not None and isinstance(value, uuid_module.UUID):
        return str(value)
    text = _coerce_string(value)
    if _UUID_RE.fullmatch(text) is None:
        import uuid  # noqa: PLC0415 (rare forms: braces, no dashes, urn:)

        try:
            uuid.UUID(text)
        except ValueError:
            raise FieldValueError("not a valid UUID") from None
    return text


def _coerce_bool(value: Any) -> bool:
    # os-vif takes bool(anything), so "false" would become True; we accept
    # real booleans and the integers 0 and 1 only.
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise FieldValueError(f"expected a boolean, not {type(value).__name__}")


def _coerce_int(value: Any) -> int:
    if isinstance(value, bool):
        raise FieldValueError("expected an integer, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise FieldValueError("expected an integer")


_MAC_RE: Final = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


def _coerce_mac(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldValueError(f"expected a MAC address string, not {type(value).__name__}")
    normal = value.lower().replace("-", ":")
    if _MAC_RE.fullmatch(normal) is None:
        raise FieldValueError("not a MAC address (expected six hex pairs)")
    return normal


def _coerce_ip(value: Any) -> IPAddress:
    try:
        if isinstance(value, str):
            return _ipvalues.parse_address(value)
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return _ipvalues.from_ipaddress(value)
        if isinstance(value, int) and not isinstance(value, bool):
            # netaddr, and so os-vif, takes integers; it is unambiguous.
            return _ipvalues.from_ipaddress(ipaddress.ip_address(value))
    except ValueError as exc:
        raise FieldValueError(f"not an IP address ({exc})") from None
    raise FieldValueError(f"expected an IP address, not {type(value).__name__}")


def _coerce_network(value: Any) -> IPNetwork:
    try:
        if isinstance(value, str):
            return _ipvalues.parse_interface(value)
        if isinstance(
            value,
            ipaddress.IPv4Interface
            | ipaddress.IPv6Interface
            | ipaddress.IPv4Network
            | ipaddress.IPv6Network,
        ):
            return _ipvalues.from_ipinterface(value)
    except ValueError as exc:
        raise FieldValueError(f"not an IP network ({exc})") from None
    raise FieldValueError(f"expected an IP network, not {type(value).__name__}")


# domain:bus:slot.function, as oslo checks it (slot 00-1f, function 0-7).
_PCI_RE: Final = re.compile(r"[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]")


def _coerce_pci(value: Any) -> str:
    # oslo's pattern ends in "$", which lets a trailing newline through; a
    # full match refuses it.
    if not isinstance(value, str):
        raise FieldValueError(f"expected a PCI address string, not {type(value).__name__}")
    normal = value.lower()
    if _PCI_RE.fullmatch(normal) is None:
        raise FieldValueError("not a PCI address (expected dddd:bb:ss.f, slot 00-1f, function 0-7)")
    return normal


def _enum_coercer(valid: tuple[str, ...]) -> Callable[[Any], str]:
    def coerce(value: Any) -> str:
        if isinstance(value, str) and value in valid:
            return value
        raise FieldValueError(f"must be one of {', '.join(valid)}")

    return coerce


# --- the descriptor ----------------------------------------------------------

#: How the serializer treats a field's value.
KIND_SCALAR: Final = 0
KIND_OBJECT: Final = 1
KIND_OBJECT_LIST: Final = 2
KIND_OBJECT_DICT: Final = 3


def _allow_none(coerce: Callable[[Any], T]) -> Callable[[Any], T | None]:
    def coerce_nullable(value: Any) -> T | None:
        return None if value is None else coerce(value)

    return coerce_nullable


def _none_is_default(coerce: Callable[[Any], T], default: T) -> Callable[[Any], T]:
    # oslo's rule, which os-vif peers rely on: None given to a field that
    # cannot hold it but has a default means "the default".
    def coerce_or_default(value: Any) -> T:
        if value is None:
            return copy.copy(default)
        return coerce(value)

    return coerce_or_default


class Field(Generic[T]):
    """A declared field of a versioned object.

    A non-data descriptor: values are stored in the object's ``__dict__``
    (reads cost a dictionary lookup); assignments go through the object's
    ``__setattr__``, which coerces them with :attr:`coerce`.

    Attributes:
        type_name: the field type's name (for schema fingerprints).
        nullable: whether ``None`` is a valid value.
        default: the value read back while the field is unset, or ``UNSET``.
        since: the version of the declaring class that added the field.
        name: the attribute name, set when the class is created.
        coerce: value -> normalised value; raises FieldValueError. ``None``
            for a field that is not nullable but has a default gives the
            default, as in oslo.versionedobjects.
        to_primitive: normalised value -> JSON-ready value (None: as is).
        from_primitive: wire value -> value for ``coerce`` (None: as is).
        kind: KIND_SCALAR, KIND_OBJECT, KIND_OBJECT_LIST or KIND_OBJECT_DICT.

    """

    __slots__ = (
        "coerce",
        "default",
        "from_primitive",
        "kind",
        "name",
        "nullable",
        "since",
        "since_tuple",
        "to_primitive",
        "type_name",
    )

    def __init__(
        self,
        type_name: str,
        coerce: Callable[[Any], T],
        *,
        nullable: bool = False,
        default: object = UNSET,
        since: str = "1.0",
        to_primitive: Callable[[Any], Any] | None = None,
        from_primitive: Callable[[Any], Any] | None = None,
        kind: int = KIND_SCALAR,
    ) -> None:
        self.type_name = type_name
        self.nullable = nullable
        self.coerce: Callable[[Any], Any] = _allow_none(coerce) if nullable else coerce
        self.to_primitive = to_primitive
        self.from_primitive = from_primitive
        self.kind = kind
        self.since = since
        self.since_tuple = _version_tuple(since)
        self.name = ""
        self.default = default
        if default is not UNSET:
            self.default = self.coerce(default)
            if not nullable:
                self.coerce = _none_is_default(coerce, self.default)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def coerce_for(self, obj: VersionedObject, value: Any) -> Any:
        """Coerce *value* for *obj*, raising the public exception on failure."""
        try:
            return self.coerce(value)
        except FieldValueError as exc:
            reason = "must not be None" if value is None else str(exc)
            raise exception.InvalidFieldValue(
                object_name=type(obj).__name__,
                field=self.name,
                value=value,
                reason=reason,
            ) from None

    def __get__(self, obj: VersionedObject | None, objtype: type | None = None) -> Any:
        # Set values live in the instance __dict__, which Python consults
        # first; this runs only for the class, or for a field not set.
        if obj is None:
            return self
        if self.default is not UNSET:
            return self.default
        raise exception.FieldNotSet(object_name=type(obj).__name__, field=self.name)

    def describe(self) -> str:
        """A stable text form of the declaration, for schema fingerprints."""
        parts = [self.type_name]
        if self.nullable:
            parts.append("nullable")
        if self.default is not UNSET:
            parts.append(f"default={self.default!r}")
        return ",".join(parts)


def _coerce_ip_list(value: Any) -> list[IPAddress]:
    if not isinstance(value, list | tuple):
        raise FieldValueError(f"expected a list, not {type(value).__name__}")
    return [_coerce_ip(item) for item in value]


def _ip_list_to_primitive(value: list[IPAddress]) -> list[str]:
    return [str(item) for item in value]


class ObjectFieldBase(Field[T]):
    """A field holding one versioned object, or a list of them, of a named class.

    Attributes:
        objname: the class name the field declares.
        subclasses: whether subclasses of that class are accepted.
        child_versions: ``(owner version, child version)`` pairs, sorted: from
            each owner version on, the child goes out at that version.

    """

    __slots__ = ("child_versions", "objname", "subclasses")

    def __init__(
        self,
        objname: str,
        *,
        kind: int,
        subclasses: bool,
        child_versions: Mapping[str, str] | None,
        nullable: bool,
        since: str,
    ) -> None:
        self.objname = objname
        self.subclasses = subclasses
        self.child_versions = sorted(
            (_version_tuple(owner), child) for owner, child in (child_versions or {}).items()
        )
        type_name, coerce = {
            KIND_OBJECT: ("Object", self._coerce_one),
            KIND_OBJECT_LIST: ("List(Object)", self._coerce_list),
            KIND_OBJECT_DICT: ("Dict(Object)", self._coerce_dict),
        }[kind]
        super().__init__(type_name, coerce, nullable=nullable, since=since, kind=kind)

    def child_version_at(self, owner_version: tuple[int, int]) -> str | None:
        """The declared child version when the owner goes out at a version."""
        chosen = None
        for owner, child in self.child_versions:
            if owner <= owner_version:
                chosen = child
        return chosen

    def _coerce_one(self, value: Any) -> Any:
        ancestry = getattr(type(value), "_obj_ancestry", None)
        if ancestry is not None and (
            self.objname in ancestry if self.subclasses else type(value).__name__ == self.objname
        ):
            return value
        raise FieldValueError(f"expected a {self.objname} object, not {type(value).__name__}")

    def _coerce_list(self, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise FieldValueError(f"expected a list, not {type(value).__name__}")
        return [self._coerce_one(item) for item in value]

    def _coerce_dict(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise FieldValueError(f"expected a mapping, not {type(value).__name__}")
        coerced = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise FieldValueError(f"keys must be strings, not {type(key).__name__}")
            coerced[key] = self._coerce_one(item)
        return coerced

    def describe(self) -> str:
        """A stable text form of the declaration, for schema fingerprints."""
        versions = ",".join(f"{o[0]}.{o[1]}>{c}" for o, c in self.child_versions)
        sub = "+subclasses" if self.subclasses else ""
        return f"{super().describe()}({self.objname}{sub};{versions})"


# --- public factories --------------------------------------------------------
# Each returns Any so that the class annotation is the type the checker sees.


class FieldFactory(Protocol):
    """Builds a field declaration: ``name: type = XField(nullable=..., ...)``."""

    def __call__(
        self, *, nullable: bool = False, default: object = UNSET, since: str = "1.0"
    ) -> Any:
        """Declare a field; see :class:`Field` for the arguments."""


def _field_factory(
    type_name: str,
    coerce: Callable[[Any], Any],
    doc: str,
    to_primitive: Callable[[Any], Any] | None = None,
    *,
    name: str | None = None,
) -> FieldFactory:
    def factory(*, nullable: bool = False, default: object = UNSET, since: str = "1.0") -> Any:
        return Field(
            type_name,
            coerce,
            nullable=nullable,
            default=default,
            since=since,
            to_primitive=to_primitive,
        )

    factory.__doc__ = doc
    factory.__name__ = factory.__qualname__ = name or f"{type_name}Field"
    return factory


StringField = _field_factory(
    "String", _coerce_string, "A text field; numbers are accepted and turned into text."
)
UUIDField = _field_factory(
    "UUID", _coerce_uuid, "A UUID, kept as the text given (``uuid.UUID`` objects become text)."
)
BooleanField = _field_factory(
    "Boolean", _coerce_bool, "A boolean; only ``True``/``False`` and the integers 0/1."
)
IntegerField = _field_factory(
    "Integer", _coerce_int, "An integer; integral floats and decimal strings are converted."
)
MACAddressField = _field_factory(
    "MACAddress", _coerce_mac, "A MAC address, normalised to lower case with colons."
)
IPAddressField = _field_factory(
    "IPAddress", _coerce_ip, "An IPv4 or IPv6 address (an ``ipaddress`` object).", str
)
IPNetworkField = _field_factory(
    "IPNetwork", _coerce_network, "An IP network, host bits kept (an ``ipaddress`` interface).", str
)
ListOfIPAddressField = _field_factory(
    "List(IPAddress)",
    _coerce_ip_list,
    "A list of IP addresses.",
    _ip_list_to_primitive,
    name="ListOfIPAddressField",
)
PCIAddressField = _field_factory(
    "PCIAddress", _coerce_pci, "A PCI address ``dddd:bb:ss.f``, lower-cased."
)


def _enum_factory(type_name: str, valid_values: tuple[str, ...], doc: str) -> FieldFactory:
    label = f"{type_name}({','.join(valid_values)})"
    return _field_factory(label, _enum_coercer(valid_values), doc, name=f"{type_name}Field")


def EnumField(  # noqa: N802 (named like os-vif's field classes)
    type_name: str,
    valid_values: tuple[str, ...],
    *,
    nullable: bool = False,
    default: object = UNSET,
    since: str = "1.0",
) -> Any:
    """A text field restricted to *valid_values*."""
    factory = _enum_factory(type_name, valid_values, "")
    return factory(nullable=nullable, default=default, since=since)


VIFVHostUserModeField = _enum_factory(
    "VIFVHostUserMode", VIFVHostUserMode.ALL, "One of :class:`VIFVHostUserMode`."
)
VIFDirectModeField = _enum_factory(
    "VIFDirectMode", VIFDirectMode.ALL, "One of :class:`VIFDirectMode`."
)
VIFHostDeviceDevTypeField = _enum_factory(
    "VIFHostDeviceDevType", VIFHostDeviceDevType.ALL, "One of :class:`VIFHostDeviceDevType`."
)


def ObjectField(  # noqa: N802 (named like os-vif's field classes)
    objname: str,
    *,
    subclasses: bool = False,
    child_versions: Mapping[str, str] | None = None,
    nullable: bool = False,
    since: str = "1.0",
) -> Any:
    """A nested versioned object of class *objname* (or a subclass).

    *child_versions* maps versions of the declaring class to the version of
    the child it carries from then on; without it the child goes out at its
    own version.
    """
    return ObjectFieldBase(
        objname,
        kind=KIND_OBJECT,
        subclasses=subclasses,
        child_versions=child_versions,
        nullable=nullable,
        since=since,
    )


def ListOfObjectsField(  # noqa: N802
    objname: str,
    *,
    subclasses: bool = False,
    child_versions: Mapping[str, str] | None = None,
    nullable: bool = False,
    since: str = "1.0",
) -> Any:
    """A list of versioned objects of class *objname*."""
    return ObjectFieldBase(
        objname,
        kind=KIND_OBJECT_LIST,
        subclasses=subclasses,
        child_versions=child_versions,
        nullable=nullable,
        since=since,
    )


def DictOfObjectsField(  # noqa: N802
    objname: str,
    *,
    subclasses: bool = False,
    child_versions: Mapping[str, str] | None = None,
    nullable: bool = False,
    since: str = "1.0",
) -> Any:
    """A mapping of text keys to versioned objects of class *objname*.

    On the wire it is a JSON object of the items' primitives, as
    oslo.versionedobjects' ``Dict(Object(...))`` sends it.
    """
    return ObjectFieldBase(
        objname,
        kind=KIND_OBJECT_DICT,
        subclasses=subclasses,
        child_versions=child_versions,
        nullable=nullable,
        since=since,
    )


_VERSION_RE: Final = re.compile(r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")


def _version_tuple(version: str) -> tuple[int, int]:
    match = _VERSION_RE.fullmatch(version)
    if match is None:
        raise ValueError(f"not a version: {version!r} (expected MAJOR.MINOR)")
    return int(match.group(1)), int(match.group(2))


def parse_version(version: object) -> tuple[int, int] | None:
    """Return ``(major, minor)`` for a ``"X.Y"`` string, or None if malformed."""
    if not isinstance(version, str):
        return None
    match = _VERSION_RE.fullmatch(version)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))
