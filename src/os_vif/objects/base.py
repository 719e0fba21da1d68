"""The versioned object core: declarations, registry, primitives, backlevelling.

A class declares its ``VERSION``, its fields (each with the version that added
it, see :mod:`os_vif.objects.fields`) and, when its parent has had more than
one version, ``PARENT_VERSIONS``: which parent version each of its own
versions builds on. From these declarations every class derives, for each
version it has ever had, the fields it carries and the version of each child
object, so serializing at an older version (backlevelling) needs no code per
class.

The wire form (a "primitive") is oslo.versionedobjects' as os-vif 5.x uses it::

    {"versioned_object.name": "VIFBridge",
     "versioned_object.namespace": "os_vif",
     "versioned_object.version": "1.0",
     "versioned_object.data": {...only the fields that are set...},
     "versioned_object.changes": [...fields changed since the last reset...]}
"""

from __future__ import annotations

import abc
import copy
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized
from typing import Any, ClassVar, Final, Generic, Self, TypeVar, cast, overload

from os_vif import exception
from os_vif.objects.fields import (
    KIND_OBJECT,
    KIND_OBJECT_DICT,
    KIND_OBJECT_LIST,
    KIND_SCALAR,
    UNSET,
    Field,
    FieldValueError,
    ObjectFieldBase,
    parse_version,
)

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_LIST_LENGTH",
    "MAX_NESTING",
    "ObjectListBase",
    "VersionedObject",
    "VersionedObjectPrintableMixin",
    "obj_registry",
]

NAMESPACE: Final = "os_vif"
KEY_NAME: Final = "versioned_object.name"
KEY_NAMESPACE: Final = "versioned_object.namespace"
KEY_VERSION: Final = "versioned_object.version"
KEY_DATA: Final = "versioned_object.data"
KEY_CHANGES: Final = "versioned_object.changes"

#: Deepest nesting of objects accepted from a primitive. The deepest real
#: tree (VIF > Network > SubnetList > Subnet > FixedIPList > FixedIP) has 6.
MAX_NESTING: Final = 32
#: Longest list accepted in an object-list field of a primitive.
MAX_LIST_LENGTH: Final = 4096
#: Largest JSON text accepted by :meth:`VersionedObject.obj_from_json`.
MAX_JSON_BYTES: Final = 4 * 1024 * 1024

Version = tuple[int, int]
Manifest = Mapping[str, str] | None
# One field as carried at one version of a class: name, field, the declaring
# class's version at that point (it decides child versions), kind, and the
# value-to-wire function (None: the value goes as it is).
_Slot = tuple[str, Field[Any], Version, int, Callable[[Any], Any] | None]

_REGISTRY: dict[str, type[VersionedObject]] = {}
_VERSION_TEXT: dict[Version, str] = {}
_INSTANCE_ATTRS: Final = frozenset({"_obj_changed", "_obj_version", "_obj_extra"})
_OVO_MODULE: Final = "oslo_versionedobjects"


def obj_registry() -> Mapping[str, type[VersionedObject]]:
    """Every registered object class in the ``os_vif`` namespace, by name."""
    return dict(_REGISTRY)


def _version_text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


class _ObjectMeta(abc.ABCMeta):
    """Keeps oslo.versionedobjects' registry from shadowing our fields.

    Registering a class with oslo's registry installs a property per field
    that keeps values in ``_obj_<name>``; ours live in the instance
    ``__dict__``, so those properties are dropped. (An ``abc.ABCMeta`` so
    that classes mixing in ABCs still combine, as they do with os-vif.)
    """

    def __setattr__(cls, name: str, value: Any) -> None:
        if (
            isinstance(value, property)
            and getattr(value.fget, "__module__", "").startswith(_OVO_MODULE)
            and name in cls.__dict__.get("_obj_fields", ())
        ):
            return
        super().__setattr__(name, value)


class _Root:
    """The base our objects start from: the layout oslo's VersionedObject has.

    When oslo.versionedobjects is in use, :mod:`os_vif.objects._ovo` puts
    oslo's ``VersionedObject`` in its place, so that our objects are oslo
    objects to oslo's own code (``isinstance`` checks in oslo objects that
    hold ours), as os-vif's are. The same ``__dict__``/``__weakref__`` slots
    make that swap possible.
    """

    __slots__ = ("__dict__", "__weakref__")


class VersionedObject(_Root, metaclass=_ObjectMeta):
    """Base of every os-vif object: typed fields, versions and a wire form.

    Construct with keywords (``VIFBridge(id=..., vif_name=...)``); every
    assignment to a field is coerced and validated, and a bad value raises
    :class:`~os_vif.exception.InvalidFieldValue`. Other names are kept as
    plain attributes, as os-vif keeps them, and never go on the wire.
    ``'field' in obj`` tells whether a field is set; reading an unset field
    returns its default, or raises :class:`~os_vif.exception.FieldNotSet`.
    Two objects are equal when they are of the same class and version and
    hold equal values.

    Subclasses declare fields as class attributes (``name: str =
    StringField()``), or the os-vif way, as a ``fields = {...}`` mapping of
    our fields or of oslo.versionedobjects' (see :mod:`os_vif.objects._ovo`);
    such classes backlevel through ``obj_make_compatible`` as in os-vif.
    """

    # Field values live in __dict__ (so reads are plain lookups); bookkeeping
    # lives in slots, so that __dict__ holds nothing but fields.
    __slots__ = ("_obj_changed", "_obj_extra", "_obj_version")

    OBJ_PROJECT_NAMESPACE: ClassVar[str] = NAMESPACE
    #: The newest version of the class.
    VERSION: ClassVar[str] = "1.0"
    #: For each own version, the parent class version it builds on; needed
    #: only when the parent has had more than one version.
    PARENT_VERSIONS: ClassVar[Mapping[str, str] | None] = None

    #: All fields, own first and then inherited (os-vif's order on the wire).
    #: Once oslo.versionedobjects is in use in the process, this holds the
    #: equivalent oslo fields (what os-vif's classes hold);
    #: ``_obj_fields`` always holds ours.
    fields: ClassVar[Mapping[str, Any]] = {}
    #: Names readable on the object that are not fields (os-vif's attribute).
    obj_extra_fields: ClassVar[Sequence[str]] = ()
    _obj_fields: ClassVar[Mapping[str, Field[Any]]] = {}
    #: Set on classes that backlevel through ``obj_make_compatible``: those
    #: declared the os-vif way, or that override it.
    _obj_custom_compat: ClassVar[bool] = False
    #: Set on a class whose body declared ``fields = {...}`` (the os-vif way).
    _obj_oslo_style: ClassVar[bool] = False
    #: A warning raised whenever the class is built or read (os-vif warns so
    #: on its deprecated classes), or None.
    _obj_deprecation: ClassVar[str | None] = None
    _obj_layouts: ClassVar[dict[Version, tuple[_Slot, ...]]] = {}
    _obj_ancestry: ClassVar[frozenset[str]] = frozenset({"VersionedObject"})
    _obj_object_fields: ClassVar[tuple[str, ...]] = ()
    _obj_newest: ClassVar[Version] = (1, 0)
    #: Values the constructor sets when not given (factories, so each object
    #: gets its own); applied on reading a primitive too, as os-vif does.
    _obj_constructor_defaults: ClassVar[Mapping[str, Callable[[], Any]]] = {}

    _obj_changed: set[str]
    #: The version of the primitive the object was read from, when older than
    #: VERSION: the object goes back out at that version by default.
    _obj_version: str | None
    #: Attributes that are not fields (os-vif keeps unknown keywords so), or None.
    _obj_extra: dict[str, Any] | None

    def __init_subclass__(cls, *, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = {k: v for k, v in vars(cls).items() if isinstance(v, Field)}
        declared = vars(cls).get("fields")
        foreign = isinstance(declared, Mapping)
        if foreign:
            from os_vif.objects import _ovo  # noqa: PLC0415 (only for os-vif style classes)

            own.update(_ovo.declared_fields(cls, cast(Mapping[str, Any], declared)))
        parent = next(b for b in cls.__mro__[1:] if issubclass(b, VersionedObject))
        merged: dict[str, Field[Any]] = dict(own)
        for name, field in parent._obj_fields.items():
            merged.setdefault(name, field)
        cls._obj_fields = merged
        cls.fields = merged
        cls._obj_object_fields = tuple(name for name, f in merged.items() if f.kind == KIND_OBJECT)
        cls._obj_ancestry = parent._obj_ancestry | {cls.__name__}
        cls._obj_layouts = _build_layouts(cls, own, parent, os_vif_style=foreign)
        cls._obj_newest = max(cls._obj_layouts)
        for version in cls._obj_layouts:
            _VERSION_TEXT.setdefault(version, _version_text(version))
        if not foreign and "obj_make_compatible" not in vars(cls):
            # Each class of ours answers for its own versions, so that a
            # subclass's super().obj_make_compatible(p, "1.0") means this
            # class's 1.0, as it does in os-vif.
            cls.obj_make_compatible = _make_compatible_for(cls)  # type: ignore[method-assign]
        cls._obj_oslo_style = foreign
        cls._obj_custom_compat = foreign or any(
            _overrides_compat(klass) for klass in cls.__mro__ if issubclass(klass, VersionedObject)
        )
        if register and cls.OBJ_PROJECT_NAMESPACE == NAMESPACE:
            _REGISTRY[cls.__name__] = cls
        if foreign or _OVO_MODULE in sys.modules:
            from os_vif.objects import _ovo  # noqa: PLC0415

            _ovo.class_defined(cls, registered=register)

    def __init__(self, *, context: object = None, **kwargs: Any) -> None:
        del context  # accepted for os-vif compatibility; objects carry none
        cls = type(self)
        if cls._obj_deprecation is not None:
            warnings.warn(cls._obj_deprecation, PendingDeprecationWarning, stacklevel=2)
        values = self.__dict__
        _set_version(self, None)
        _set_extra(self, None)
        fields = cls._obj_fields
        changed = set()
        for name, value in kwargs.items():
            field = fields.get(name)
            if field is None:
                # As os-vif: an unknown keyword becomes a plain attribute.
                self.__setattr__(name, value)
                continue
            changed.add(name)
            try:
                values[name] = field.coerce(value)
            except FieldValueError:
                values[name] = field.coerce_for(self, value)  # raises, with context
        _set_changed(self, changed)
        defaults = cls._obj_constructor_defaults
        if defaults:
            for name, factory in defaults.items():
                if name not in values:
                    values[name] = factory()
                    self._obj_changed.add(name)

    def _no_such_field(self, name: str, value: object) -> exception.InvalidFieldValue:
        return exception.InvalidFieldValue(
            object_name=type(self).__name__,
            field=name,
            value=value,
            reason="no such field",
        )

    def __setattr__(self, name: str, value: Any) -> None:
        cls = type(self)
        field = cls._obj_fields.get(name)
        if field is not None:
            self.__dict__[name] = field.coerce_for(self, value)
            self._obj_changed.add(name)
        elif name in _INSTANCE_ATTRS or hasattr(getattr(cls, name, None), "__set__"):
            object.__setattr__(self, name, value)
        elif name == "VERSION":
            # os-vif objects record the version they were read at so.
            _set_version(self, None if value == cls.VERSION else type(self)._obj_text(value))
        else:
            extra = _get_extra(self)
            if extra is None:
                extra = {}
                _set_extra(self, extra)
            extra[name] = value

    def __getattr__(self, name: str) -> Any:
        # Reached only when normal lookup fails: an unset field without a
        # default (its descriptor raised), or a plain attribute.
        cls = type(self)
        if name in cls._obj_fields:
            raise exception.FieldNotSet(object_name=cls.__name__, field=name)
        try:
            extra = _get_extra(self)
        except AttributeError:  # a copy still being restored
            extra = None
        if extra is not None and name in extra:
            return extra[name]
        raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        if name in type(self)._obj_fields:
            self.__dict__.pop(name, None)
            self._obj_changed.discard(name)
            return
        extra = _get_extra(self)
        if extra is None or name not in extra:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        del extra[name]

    @classmethod
    def _obj_text(cls, version: object) -> str:
        if parse_version(version) is None:
            raise exception.InvalidTargetVersion(
                object_name=cls.__name__, version=str(version), reason="not a MAJOR.MINOR version"
            )
        return cast(str, version)

    @property
    def obj_version(self) -> str:
        """The version the object goes out at by default.

        That is the class's ``VERSION``, or the older version of the primitive
        the object was read from (os-vif keeps that one in ``VERSION``).
        """
        return self._obj_version or self.VERSION

    # --- introspection ---------------------------------------------------

    @classmethod
    def obj_name(cls) -> str:
        """The object's name on the wire (its class name)."""
        return cls.__name__

    @classmethod
    def obj_versions(cls) -> tuple[str, ...]:
        """Every version of the class, oldest first."""
        return tuple(_version_text(v) for v in sorted(cls._obj_layouts))

    @classmethod
    def obj_fields_at(cls, version: str) -> tuple[str, ...]:
        """The names of the fields the class carries at *version*."""
        return tuple(slot[0] for slot in cls._obj_layouts[cls._obj_target(version)])

    @classmethod
    def obj_class_from_name(cls, objname: str, objver: str) -> type[VersionedObject]:
        """The registered class named *objname* that can read version *objver*.

        Raises:
            UnsupportedObjectError: no class of that name is registered.
            IncompatibleObjectVersion: the class is older than *objver*, or
                of another major version.

        """
        found = _REGISTRY.get(objname)
        if found is None:
            raise exception.UnsupportedObjectError(
                path="", namespace=NAMESPACE, object_name=objname
            )
        wanted = parse_version(objver)
        if wanted is None or wanted[0] != found._obj_newest[0] or wanted > found._obj_newest:
            raise exception.IncompatibleObjectVersion(
                path="", object_name=objname, version=str(objver), supported=found.VERSION
            )
        return found

    @property
    def obj_fields(self) -> list[str]:
        """The field names, then ``obj_extra_fields`` (os-vif's attribute)."""
        return [*type(self)._obj_fields, *self.obj_extra_fields]

    def obj_attr_is_set(self, name: str) -> bool:
        """Whether the field *name* has a value (defaults do not count)."""
        if name not in type(self)._obj_fields:
            raise self._no_such_field(name, None)
        return name in self.__dict__

    def obj_set_defaults(self, *attrs: str) -> None:
        """Give each unset field of *attrs* (default: all) its default value.

        Raises:
            InvalidFieldValue: a field named in *attrs* has no default.

        """
        fields = type(self)._obj_fields
        names = attrs or tuple(name for name, f in fields.items() if f.default is not UNSET)
        for name in names:
            field = fields.get(name)
            if field is None:
                raise self._no_such_field(name, None)
            if field.default is UNSET:
                raise exception.InvalidFieldValue(
                    object_name=type(self).__name__,
                    field=name,
                    value=None,
                    reason="has no default to set",
                )
            if name not in self.__dict__:
                setattr(self, name, copy.deepcopy(field.default))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.__dict__

    # --- change tracking -------------------------------------------------

    def obj_what_changed(self) -> set[str]:
        """Fields set since the last reset, and those whose child object changed."""
        changed = set(self._obj_changed)
        values = self.__dict__
        for name in type(self)._obj_object_fields:
            child = values.get(name)
            if child is not None and child.obj_what_changed():
                changed.add(name)
        return changed

    def obj_get_changes(self) -> dict[str, Any]:
        """The changed fields and their values."""
        return {name: self.__dict__[name] for name in self.obj_what_changed()}

    def obj_reset_changes(
        self, fields: Sequence[str] | None = None, recursive: bool = False
    ) -> None:
        """Forget changes, of all fields or of *fields*; *recursive* for children."""
        if recursive:
            # As os-vif: only children of fields that count as changed.
            changed = self.obj_what_changed()
            for name in changed if fields is None else changed.intersection(fields):
                value = self.__dict__.get(name)
                children = value if isinstance(value, list) else [value]
                for child in children:
                    if isinstance(child, VersionedObject):
                        child.obj_reset_changes(recursive=True)
        if fields is None:
            self._obj_changed.clear()
        else:
            self._obj_changed.difference_update(fields)

    def obj_clone(self) -> Self:
        """A deep copy."""
        return copy.deepcopy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Spelled out so that it stays ours once oslo's VersionedObject (which
        # has its own) is our base.
        cls = type(self)
        clone = cls.__new__(cls)
        memo[id(self)] = clone
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        _set_changed(clone, set(self._obj_changed))
        _set_version(clone, self._obj_version)
        _set_extra(clone, copy.deepcopy(_get_extra(self), memo))
        return clone

    # --- value semantics -------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, VersionedObject)  # noqa: S101 (narrowing only)
        return self.obj_version == other.obj_version and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable

    def __repr__(self) -> str:
        values = self.__dict__
        inner = ", ".join(
            f"{name}={values[name]!r}" for name in type(self)._obj_fields if name in values
        )
        return f"{type(self).__name__}({inner})"

    # --- to the wire -----------------------------------------------------

    def obj_to_primitive(
        self,
        target_version: str | None = None,
        version_manifest: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Return the wire form, optionally backlevelled.

        Args:
            target_version: the version to produce (default: the manifest's
                entry for this class, else the object's own version).
            version_manifest: ``{object name: version}`` the receiver knows;
                every nested object goes out at the version listed for its
                class (or, as os-vif looks it up, for the field's declared
                class), never newer than ours.

        Raises:
            InvalidTargetVersion: the version is malformed, or is not one this
                class has had.

        """
        manifest = version_manifest or None
        if target_version is None and manifest is not None:
            wanted = manifest.get(type(self).__name__)
            if wanted is not None:
                target_version = self._obj_clamped(wanted)
        version = type(self)._obj_target(target_version or self.obj_version)
        return self._obj_primitive(version, manifest, top=True)[0]

    def obj_make_compatible(self, primitive: dict[str, Any], target_version: str) -> None:
        """Backlevel *primitive* (the ``versioned_object.data`` of this object) in place.

        As in os-vif: fields the class did not have at *target_version* are
        removed, and nested objects are re-serialized at the version that
        version carries (or the manifest of
        :meth:`obj_make_compatible_from_manifest` names). Each class answers
        for its own versions, so a subclass that overrides this (the os-vif
        way) calls ``super().obj_make_compatible(primitive, parent_version)``.

        Raises:
            InvalidTargetVersion: the class has had no such version.

        """
        _make_compatible(type(self), self, primitive, target_version)

    def obj_make_compatible_from_manifest(
        self,
        primitive: dict[str, Any],
        target_version: str,
        version_manifest: Mapping[str, str] | None,
    ) -> None:
        """As :meth:`obj_make_compatible`, with nested objects at the manifest's versions."""
        self._obj_version_manifest = version_manifest
        try:
            self.obj_make_compatible(primitive, target_version)
        finally:
            del self._obj_version_manifest

    def obj_to_json(
        self,
        target_version: str | None = None,
        version_manifest: Mapping[str, str] | None = None,
    ) -> str:
        """The primitive of :meth:`obj_to_primitive` as compact JSON text."""
        import orjson  # noqa: PLC0415 (its import costs more than all of ours)

        return orjson.dumps(self.obj_to_primitive(target_version, version_manifest)).decode()

    @classmethod
    def _obj_target(cls, version: str) -> Version:
        parsed = parse_version(version)
        if parsed is None:
            raise exception.InvalidTargetVersion(
                object_name=cls.__name__,
                version=str(version),
                reason="not a MAJOR.MINOR version",
            )
        if parsed not in cls._obj_layouts:
            raise exception.InvalidTargetVersion(
                object_name=cls.__name__,
                version=version,
                reason=f"known versions are {', '.join(cls.obj_versions())}",
            )
        return parsed

    def _obj_clamped(self, requested: str) -> str:
        """The older of *requested* and the object's own version."""
        parsed = parse_version(requested)
        own = _parse_cached(self.obj_version) or (1, 0)
        if parsed is None or parsed[0] != own[0]:
            raise exception.InvalidTargetVersion(
                object_name=type(self).__name__,
                version=str(requested),
                reason=f"not a version of major {own[0]}",
            )
        return requested if parsed < own else self.obj_version

    def _obj_primitive(  # noqa: PLR0912 (the hot path, kept in one frame)
        self, version: Version, manifest: Manifest, *, top: bool
    ) -> tuple[dict[str, Any], bool]:
        """The primitive at *version*, and whether the object has changes."""
        cls = type(self)
        if cls._obj_custom_compat:
            return _compat_primitive(self, version, manifest)
        values = self.__dict__
        data: dict[str, Any] = {}
        changed_children: list[str] = []
        for name, field, owner_version, kind, to_primitive in cls._obj_layouts[version]:
            if name not in values:
                continue
            value = values[name]
            if value is None:
                data[name] = None
            elif kind == KIND_SCALAR:
                data[name] = value if to_primitive is None else to_primitive(value)
            elif kind == KIND_OBJECT:
                data[name], child_changed = value._obj_primitive(
                    _child_version(field, value, owner_version, manifest), manifest, top=False
                )
                if child_changed:
                    changed_children.append(name)
            elif kind == KIND_OBJECT_DICT:
                data[name] = _child_wire(field, value, owner_version, manifest)
            else:
                items = []
                for item in value:
                    primitive, _ = item._obj_primitive(
                        _child_version(field, item, owner_version, manifest), manifest, top=False
                    )
                    items.append(primitive)
                data[name] = items
        primitive = {
            KEY_NAME: cls.__name__,
            KEY_NAMESPACE: cls.OBJ_PROJECT_NAMESPACE,
            KEY_VERSION: _VERSION_TEXT[version],
            KEY_DATA: data,
        }
        complete = len(data) == len(values)
        if complete:
            changed = self._obj_changed.union(changed_children) if changed_children else None
            changed = changed or self._obj_changed
        else:
            changed = self.obj_what_changed()  # children of dropped fields count too
        if not changed:
            return primitive, False
        # At the top, os-vif lists only the changes left after backlevelling;
        # in nested objects it keeps every changed field that is set.
        if top or complete:
            changes = [name for name in data if name in changed]
        else:
            changes = [name for name in cls._obj_fields if name in changed and name in values]
        if changes:
            primitive[KEY_CHANGES] = changes
        return primitive, True

    # --- from the wire ---------------------------------------------------

    @classmethod
    def obj_from_primitive(cls, primitive: Any, context: object = None) -> Self:
        """Read an object from its wire form; the class is chosen by name.

        Called on :class:`VersionedObject` it accepts any registered object;
        called on a subclass, only that class or its subclasses.

        Raises:
            InvalidPrimitive: (or a subclass) the primitive is malformed,
                names an unknown object, has an unsupported version, holds an
                unknown field, or is too large. No object is returned.
            InvalidFieldValue: a field's value is not acceptable.

        """
        del context
        return _read_object(primitive, cls, True, None, 0)

    @classmethod
    def _obj_from_primitive(cls, context: object, objver: str, primitive: Any) -> Self:
        # The hook oslo.versionedobjects calls on a class it found by name
        # (an oslo object holding one of ours, such as kuryr's PodState).
        del context, objver
        return _read_object(primitive, cls, True, None, 0)

    @classmethod
    def obj_from_json(cls, text: str | bytes, *, max_bytes: int = MAX_JSON_BYTES) -> Self:
        """Read an object from JSON text, refusing text over *max_bytes*.

        Raises:
            PrimitiveTooLarge: the text is too long, or objects nest too deeply.
            InvalidPrimitive: the text is not JSON, or as for
                :meth:`obj_from_primitive`.

        """
        if len(text) > max_bytes:
            raise exception.PrimitiveTooLarge(
                path="", reason=f"{len(text)} bytes exceeds the limit of {max_bytes}"
            )
        import orjson  # noqa: PLC0415

        try:
            primitive = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            # orjson refuses nesting deeper than 1024 levels as a decode error.
            raise exception.InvalidPrimitive(path="", reason=f"not valid JSON: {exc}") from None
        return cls.obj_from_primitive(primitive)


_T = TypeVar("_T", bound=VersionedObject)

# The slots' own setters: bookkeeping writes skip __setattr__'s field lookup.
_set_changed = VersionedObject.__dict__["_obj_changed"].__set__
_set_version = VersionedObject.__dict__["_obj_version"].__set__
_set_extra = VersionedObject.__dict__["_obj_extra"].__set__
_get_extra = VersionedObject.__dict__["_obj_extra"].__get__


class VersionedObjectPrintableMixin:
    """Mix-in whose ``str()`` is the object's primitive (os-vif's mixin).

    Also harmless on a class that is not a versioned object: ``str()`` is
    then the class's own.
    """

    def __str__(self) -> str:
        primitive = getattr(self, "obj_to_primitive", None)
        return str(primitive()) if callable(primitive) else super().__str__()


# --- backlevelling the os-vif way (obj_make_compatible) ----------------------


def _overrides_compat(klass: type) -> bool:
    if klass is VersionedObject or klass.__name__ == "ObjectListBase":
        return False
    own = vars(klass)
    method = own.get("obj_make_compatible")
    if method is not None and not getattr(method, "_os_vif_native", False):
        return True
    return "obj_make_compatible_from_manifest" in own


def _make_compatible_for(owner: type[VersionedObject]) -> Callable[..., None]:
    def obj_make_compatible(
        self: VersionedObject, primitive: dict[str, Any], target_version: str
    ) -> None:
        _make_compatible(owner, self, primitive, target_version)

    obj_make_compatible.__doc__ = VersionedObject.obj_make_compatible.__doc__
    obj_make_compatible.__qualname__ = f"{owner.__name__}.obj_make_compatible"
    obj_make_compatible._os_vif_native = True  # type: ignore[attr-defined]
    return obj_make_compatible


def _make_compatible(
    owner: type[VersionedObject], obj: VersionedObject, primitive: dict[str, Any], target: str
) -> None:
    layout = owner._obj_layouts[owner._obj_target(target)]
    carried = {slot[0] for slot in layout}
    for name in owner._obj_fields:
        if name not in carried:
            primitive.pop(name, None)
    manifest = getattr(obj, "_obj_version_manifest", None)
    values = obj.__dict__
    for name, field, owner_version, kind, _ in layout:
        value = values.get(name)
        if kind == KIND_SCALAR or value is None or name not in primitive:
            continue
        if manifest is not None and not isinstance(manifest.get(_objname(field)), str):
            continue  # as oslo: a manifest that does not name the child leaves it
        primitive[name] = _child_wire(field, value, owner_version, manifest)


def _objname(field: Field[Any]) -> str:
    assert isinstance(field, ObjectFieldBase)  # noqa: S101 (narrowing only)
    return field.objname


def _each_child(
    field: Field[Any], value: Any, one: Callable[[VersionedObject], dict[str, Any]]
) -> Any:
    """*one* applied to the object, list or mapping an object-valued field holds."""
    if field.kind == KIND_OBJECT:
        return one(value)
    if field.kind == KIND_OBJECT_LIST:
        return [one(item) for item in value]
    return {key: one(item) for key, item in value.items()}


def _child_wire(field: Field[Any], value: Any, owner_version: Version, manifest: Manifest) -> Any:
    """The wire form of an object-valued field, children backlevelled as declared."""

    def one(child: VersionedObject) -> dict[str, Any]:
        version = _child_version(field, child, owner_version, manifest)
        return child._obj_primitive(version, manifest, top=False)[0]

    return _each_child(field, value, one)


def _own_wire(field: Field[Any], value: Any) -> Any:
    """The wire form of an object-valued field, each child at its own version."""
    return _each_child(
        field, value, lambda child: child._obj_primitive(_own_version(child), None, top=True)[0]
    )


def _compat_primitive(
    obj: VersionedObject, version: Version, manifest: Manifest
) -> tuple[dict[str, Any], bool]:
    """The primitive as oslo.versionedobjects builds it, for os-vif style classes.

    Every set field at the newest version, then ``obj_make_compatible``
    (which such classes override) when an older version is wanted.
    """
    cls = type(obj)
    values = obj.__dict__
    data: dict[str, Any] = {}
    for name, field in cls._obj_fields.items():
        if name not in values:
            continue
        value = values[name]
        if value is None:
            data[name] = None
        elif field.kind == KIND_SCALAR:
            data[name] = value if field.to_primitive is None else field.to_primitive(value)
        else:
            data[name] = _own_wire(field, value)
    target = _VERSION_TEXT[version]
    if target != obj.obj_version or manifest:
        # A manifest may name children even at the object's own version.
        obj.obj_make_compatible_from_manifest(data, target, manifest)
    primitive = {
        KEY_NAME: cls.__name__,
        KEY_NAMESPACE: cls.OBJ_PROJECT_NAMESPACE,
        KEY_VERSION: target,
        KEY_DATA: data,
    }
    changed = obj.obj_what_changed()
    changes = [name for name in data if name in changed]
    if changes:
        primitive[KEY_CHANGES] = changes
    return primitive, bool(changed)


def _from_wire(obj: VersionedObject, field: Field[Any], value: Any, path: _Path) -> Any:
    assert field.from_primitive is not None  # noqa: S101 (narrowing only)
    try:
        return field.from_primitive(value)
    except FieldValueError as exc:
        raise _bad_value(obj, field, value, exc, path) from None


def _bad_value(
    obj: VersionedObject, field: Field[Any], value: Any, exc: Exception, path: _Path
) -> exception.InvalidFieldValue:
    """The error for a value read from a primitive, naming where it was."""
    return exception.InvalidFieldValue(
        object_name=type(obj).__name__,
        field=field.name,
        value=value,
        reason="must not be None" if value is None else str(exc),
        path=_where(path),
    )


# --- declarations -> per-version layouts -------------------------------------


def _parse_declared(cls: type, attr: str, version: str) -> Version:
    parsed = parse_version(version)
    if parsed is None:
        raise TypeError(f"{cls.__name__}.{attr} {version!r} is not MAJOR.MINOR")
    return parsed


def _build_layouts(
    cls: type[VersionedObject],
    own: dict[str, Field[Any]],
    parent: type[VersionedObject],
    *,
    os_vif_style: bool,
) -> dict[Version, tuple[_Slot, ...]]:
    major, newest = _parse_declared(cls, "VERSION", cls.VERSION)
    versions = [(major, minor) for minor in range(newest + 1)]
    if os_vif_style:
        # No per-field history: every version carries every field, and the
        # class's own obj_make_compatible drops what an older one lacks.
        parent_map = dict.fromkeys(versions, parent._obj_newest) if parent._obj_layouts else {}
    else:
        parent_map = _parent_version_map(cls, parent, versions)
    layouts: dict[Version, tuple[_Slot, ...]] = {}
    for version in versions:
        slots: list[_Slot] = [
            (name, field, version, field.kind, field.to_primitive)
            for name, field in own.items()
            if field.since_tuple <= version
        ]
        parent_version = parent_map.get(version)
        if parent_version is not None:
            slots.extend(slot for slot in parent._obj_layouts[parent_version] if slot[0] not in own)
        layouts[version] = tuple(slots)
    return layouts


def _parent_version_map(
    cls: type[VersionedObject], parent: type[VersionedObject], versions: list[Version]
) -> dict[Version, Version]:
    if not parent._obj_layouts:
        return {}
    declared = cls.__dict__.get("PARENT_VERSIONS")
    if declared is None:
        if len(parent._obj_layouts) > 1:
            raise TypeError(
                f"{cls.__name__} must declare PARENT_VERSIONS: its parent "
                f"{parent.__name__} has had several versions"
            )
        only = next(iter(parent._obj_layouts))
        return dict.fromkeys(versions, only)
    mapping = {
        _parse_declared(cls, "PARENT_VERSIONS", own): _parse_declared(cls, "PARENT_VERSIONS", base)
        for own, base in declared.items()
    }
    if sorted(mapping) != versions or any(v not in parent._obj_layouts for v in mapping.values()):
        raise TypeError(
            f"{cls.__name__}.PARENT_VERSIONS must map each own version to a "
            f"version of {parent.__name__}"
        )
    return mapping


def _child_version(
    field: Field[Any], child: VersionedObject, owner_version: Version, manifest: Manifest
) -> Version:
    assert isinstance(field, ObjectFieldBase)  # noqa: S101 (narrowing only)
    if manifest is None:
        requested = field.child_version_at(owner_version) if field.child_versions else None
    else:
        # oslo looks a child up under the field's declared class name
        # (VIFPortProfileBase for any port profile), not the child's own.
        requested = manifest.get(field.objname) or (
            field.child_version_at(owner_version) if field.child_versions else None
        )
    if requested is None:
        own = child._obj_version
        return type(child)._obj_newest if own is None else _own_version(child)
    return type(child)._obj_target(child._obj_clamped(requested))


_VERSION_CACHE: dict[str, Version | None] = {}


def _parse_cached(version: str) -> Version | None:
    try:
        return _VERSION_CACHE[version]
    except KeyError:
        parsed = parse_version(version)
        if len(_VERSION_CACHE) < 256:
            _VERSION_CACHE[version] = parsed
        return parsed


def _own_version(obj: VersionedObject) -> Version:
    parsed = _parse_cached(obj._obj_version or obj.VERSION)
    assert parsed is not None  # noqa: S101 (VERSION is checked when set)
    return parsed


# --- deserialization ---------------------------------------------------------


# Where in a primitive we are, built lazily: formatted only for an error.
_Path = tuple[Any, ...] | None


def _where(path: _Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, step = path
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return "".join(reversed(parts)).lstrip(".")


def _read_object(  # noqa: PLR0912, PLR0915 (the hot path, kept in one frame)
    primitive: Any, expected: type[_T], subclasses: bool, path: _Path, depth: int
) -> _T:
    if type(primitive) is not dict:
        raise exception.InvalidPrimitive(
            path=_where(path),
            reason=f"expected an object primitive, not {type(primitive).__name__}",
        )
    if depth > MAX_NESTING:
        raise exception.PrimitiveTooLarge(
            path=_where(path), reason=f"objects nested deeper than {MAX_NESTING}"
        )
    try:
        name = primitive[KEY_NAME]
        namespace = primitive[KEY_NAMESPACE]
        version = primitive[KEY_VERSION]
        data = primitive[KEY_DATA]
    except KeyError as exc:
        raise exception.MissingPrimitiveData(path=_where(path), reason=f"missing {exc}") from None
    if type(name) is not str or type(namespace) is not str or type(version) is not str:
        raise exception.InvalidPrimitive(
            path=_where(path), reason="name, namespace and version must be strings"
        )
    cls = _REGISTRY.get(name) if namespace == NAMESPACE else None
    if cls is None and namespace == NAMESPACE and _OVO_MODULE in sys.modules and depth == 0:
        from os_vif.objects import _ovo  # noqa: PLC0415

        # An oslo.versionedobjects class of the os_vif namespace (kuryr's
        # PodState): os-vif reads those too, through oslo's registry.
        foreign = _ovo.read_foreign(primitive, expected)
        if foreign is not None:
            return cast(_T, foreign)
    if cls is None or (
        cls is not expected and not (subclasses and expected.__name__ in cls._obj_ancestry)
    ):
        raise exception.UnsupportedObjectError(
            path=_where(path), namespace=namespace, object_name=name
        )
    parsed = _VERSION_CACHE.get(version) or _parse_cached(version)
    if parsed is None or parsed not in cls._obj_layouts:
        if parsed is None:
            reason = f"malformed version {version!r}"
            raise exception.InvalidPrimitive(path=_where((path, name)), reason=reason)
        raise exception.IncompatibleObjectVersion(
            path=_where(path), object_name=name, version=version, supported=cls.VERSION
        )
    if type(data) is not dict:
        raise exception.InvalidPrimitive(
            path=_where((path, name)), reason=f"{KEY_DATA!r} must be an object"
        )
    obj = cls.__new__(cls)
    _set_extra(obj, None)
    values = obj.__dict__
    if cls._obj_deprecation is not None:
        warnings.warn(cls._obj_deprecation, PendingDeprecationWarning, stacklevel=3)
    fields = cls._obj_fields
    for key, wire_value in data.items():
        field = fields.get(key)
        if field is None:
            raise exception.UnknownPrimitiveField(
                path=_where((path, key)), reason=f"{name} has no field {key!r}"
            )
        # A field newer than the stated version is accepted: os-vif sends one
        # (datapath_offload) when backlevelling with a version manifest.
        value = wire_value
        if value is not None:
            if field.kind != KIND_SCALAR:
                value = _read_child(field, value, (path, key), depth)
            elif field.from_primitive is not None:
                value = _from_wire(obj, field, value, (path, key))
        try:
            values[key] = field.coerce(value)
        except FieldValueError as exc:
            raise _bad_value(obj, field, value, exc, (path, key)) from None
    defaults = cls._obj_constructor_defaults
    if defaults:
        for key, factory in defaults.items():
            if key not in values:
                values[key] = factory()
    changes = primitive.get(KEY_CHANGES)
    _set_changed(obj, set() if changes is None else _read_changes(changes, fields, path))
    _set_version(obj, None if version == cls.VERSION else version)
    return cast(_T, obj)


def _read_child(field: Field[Any], raw: Any, path: _Path, depth: int) -> Any:
    assert isinstance(field, ObjectFieldBase)  # noqa: S101 (narrowing only)
    expected = _REGISTRY[field.objname]
    if field.kind == KIND_OBJECT:
        return _read_object(raw, expected, field.subclasses, path, depth + 1)
    if field.kind == KIND_OBJECT_DICT:
        _check_container(raw, dict, "an object", path)
        return {
            key: _read_object(item, expected, field.subclasses, (path, key), depth + 1)
            for key, item in raw.items()
        }
    _check_container(raw, list, "a list", path)
    subclasses = field.subclasses
    return [
        _read_object(item, expected, subclasses, (path, index), depth + 1)
        for index, item in enumerate(raw)
    ]


def _check_container(raw: Any, kind: type[Sized], label: str, path: _Path) -> None:
    if type(raw) is not kind:
        raise exception.InvalidPrimitive(
            path=_where(path), reason=f"expected {label}, not {type(raw).__name__}"
        )
    if len(raw) > MAX_LIST_LENGTH:
        raise exception.PrimitiveTooLarge(
            path=_where(path),
            reason=f"{len(raw)} items exceeds the limit of {MAX_LIST_LENGTH}",
        )


def _read_changes(changes: Any, fields: Mapping[str, Any], path: _Path) -> set[str]:
    if type(changes) is list:
        try:
            # As os-vif does: names the class does not have are dropped.
            return fields.keys() & changes
        except TypeError:
            pass
    raise exception.InvalidPrimitive(
        path=_where(path), reason=f"{KEY_CHANGES!r} must be a list of field names"
    )


# --- lists -------------------------------------------------------------------


class ObjectListBase(VersionedObject, Generic[_T], register=False):
    """A versioned list of objects; behaves as a read-only sequence.

    Accepts the items positionally (``SubnetList([subnet])``) or as
    ``objects=[...]``; without either it is empty, with ``objects`` unset (so
    it goes on the wire with no data, as os-vif's does) until it is first
    read. As in os-vif, a change inside an item does not count as a change of
    the list.
    """

    objects: list[_T]
    #: oslo's list classes carry this (empty) map; its fingerprint counts it.
    child_versions: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self, objects: Sequence[_T] | None = None, *, context: object = None, **kwargs: Any
    ) -> None:
        # The general constructor, specialised for the one field: lists are
        # built by the hundred when a host describes its networks.
        del context
        for name, value in kwargs.items():
            if name != "objects":
                raise self._no_such_field(name, value)
            if objects is not None:
                raise TypeError(f"{type(self).__name__}() got multiple values for 'objects'")
            objects = value
        _set_version(self, None)
        _set_extra(self, None)
        if objects is None:
            _set_changed(self, set())
            return
        field = type(self)._obj_fields["objects"]
        try:
            self.__dict__["objects"] = field.coerce(objects)
        except FieldValueError:
            field.coerce_for(self, objects)  # raises, with context
        _set_changed(self, {"objects"})

    def __getattr__(self, name: str) -> Any:
        if name == "objects":
            # Read while unset: becomes an empty list, still not a change.
            items: list[_T] = []
            self.__dict__["objects"] = items
            return items
        return super().__getattr__(name)

    def __len__(self) -> int:
        return len(self.__dict__.get("objects", ()))

    def __iter__(self) -> Iterator[_T]:
        return iter(self.__dict__.get("objects", ()))

    @overload
    def __getitem__(self, index: int) -> _T: ...
    @overload
    def __getitem__(self, index: slice) -> Self: ...
    def __getitem__(self, index: int | slice) -> _T | Self:
        items = self.__dict__.get("objects", [])
        if isinstance(index, slice):
            return type(self)(items[index])
        return cast(_T, items[index])

    def __contains__(self, value: object) -> bool:
        return value in self.__dict__.get("objects", ())

    def count(self, value: object) -> int:
        """How many items equal *value*."""
        return sum(1 for item in self if item == value)

    def index(self, value: object) -> int:
        """The position of the first item equal to *value*.

        Raises:
            ValueError: no item equals *value*.

        """
        for position, item in enumerate(self):
            if item == value:
                return position
        raise ValueError(f"{value!r} is not in {type(self).__name__}")
