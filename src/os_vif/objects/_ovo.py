"""The bridge to oslo.versionedobjects, for code written against os-vif.

os-vif's classes are oslo.versionedobjects classes, and code built on them
uses oslo's machinery directly: kuryr and zun subclass the VIF classes with
``fields = {...}`` of oslo fields and register them with oslo's registry;
kuryr's ``PodState`` (an oslo object) holds our VIFs; os-vif's own tests
fingerprint the classes in oslo's registry. This module makes that work on
our objects, and is imported only when oslo.versionedobjects already is (it
is then in the consumer's environment); our own path never loads it.

What it does, once active:

- our base class has oslo's ``VersionedObject`` as its base, so oslo's
  own code sees our objects as its objects;
- every registered class of ours carries, in ``fields``, the oslo field
  equivalent to each of its fields (the declarations os-vif's classes have),
  and is registered in oslo's registry, where oslo code looks classes up;
- a class declared the os-vif way gets our fields built from its oslo
  fields: object-valued fields become ours (so nesting, limits and
  backlevelling work as for our classes), any other oslo field keeps its
  own coercion and wire form;
- a primitive of an oslo class in the ``os_vif`` namespace that is not ours
  (``PodState``) is read through oslo, as os-vif reads it.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from os_vif.objects.fields import (
    KIND_OBJECT,
    KIND_OBJECT_DICT,
    KIND_OBJECT_LIST,
    KIND_SCALAR,
    UNSET,
    Field,
    FieldValueError,
    ObjectFieldBase,
)

if TYPE_CHECKING:
    from os_vif.objects.base import VersionedObject

__all__ = ["class_defined", "declared_fields", "ensure_active", "read_foreign"]

_active = False
_ENUM_TYPE_RE = re.compile(r"(\w+)\((.*)\)")


# --- declarations the os-vif way -> our fields --------------------------------


def declared_fields(
    cls: type[VersionedObject], declared: Mapping[str, Any]
) -> dict[str, Field[Any]]:
    """Our fields for a class body's ``fields = {...}``, installed on the class.

    Raises:
        TypeError: an entry is neither one of our fields nor an oslo field.

    """
    own: dict[str, Field[Any]] = {}
    for name, declaration in declared.items():
        if isinstance(declaration, Field):
            field = declaration
        elif _is_oslo_field(declaration):
            field = _from_oslo(cls, name, declaration)
        else:
            raise TypeError(
                f"field {name!r} of {cls.__name__} is {type(declaration).__name__}, "
                "not a field of os_vif.objects.fields or oslo_versionedobjects.fields"
            )
        field.__set_name__(cls, name)
        # The descriptor answers reads of an unset field (default or FieldNotSet).
        type.__setattr__(cls, name, field)
        own[name] = field
    return own


def _is_oslo_field(value: object) -> bool:
    oslo_fields = sys.modules.get("oslo_versionedobjects.fields")
    return oslo_fields is not None and isinstance(value, oslo_fields.Field)


class _Owner:
    """What oslo's field code is handed as the object: it only names it."""

    def __init__(self, cls: type[VersionedObject]) -> None:
        self._cls = cls
        self._context = None

    def obj_name(self) -> str:
        return self._cls.__name__


def _from_oslo(cls: type[VersionedObject], name: str, oslo_field: Any) -> Field[Any]:
    from oslo_versionedobjects import fields as oslo  # noqa: PLC0415

    field_type = oslo_field._type
    kind, element = KIND_SCALAR, field_type
    if isinstance(field_type, oslo.List | oslo.Dict):
        inner = field_type._element_type._type
        if isinstance(inner, oslo.Object):
            kind = KIND_OBJECT_LIST if isinstance(field_type, oslo.List) else KIND_OBJECT_DICT
            element = inner
    elif isinstance(field_type, oslo.Object):
        kind = KIND_OBJECT
    default = oslo_field.default
    if kind != KIND_SCALAR:
        field: Field[Any] = ObjectFieldBase(
            element._obj_name,
            kind=kind,
            subclasses=element._subclasses,
            child_versions=None,
            nullable=oslo_field.nullable,
            since="1.0",
        )
    else:
        field = _delegating_field(cls, name, oslo_field)
    if default is not oslo.UnspecifiedDefault:
        field.default = default if kind != KIND_SCALAR else field.coerce(default)
    field.nullable = oslo_field.nullable
    _OSLO_FIELDS[field] = oslo_field
    return field


# Our field -> the oslo field it was built from, so the oslo view of a class
# declared the os-vif way shows its own declarations.
_OSLO_FIELDS: dict[Field[Any], Any] = {}


def _delegating_field(cls: type[VersionedObject], name: str, oslo_field: Any) -> Field[Any]:
    owner = _Owner(cls)

    def coerce(value: Any) -> Any:
        try:
            return oslo_field.coerce(owner, name, value)
        except (ValueError, TypeError) as exc:
            raise FieldValueError(str(exc)) from None

    def to_primitive(value: Any) -> Any:
        return oslo_field.to_primitive(owner, name, value)

    def from_primitive(value: Any) -> Any:
        try:
            return oslo_field.from_primitive(owner, name, value)
        except (ValueError, TypeError) as exc:
            raise FieldValueError(str(exc)) from None

    # oslo's coerce handles None itself (nullable, or the default).
    return Field(
        type(oslo_field._type).__name__,
        coerce,
        to_primitive=to_primitive,
        from_primitive=from_primitive,
    )


# --- our fields -> oslo's (the declarations os-vif's classes have) -----------


def _oslo_field(field: Field[Any]) -> Any:  # noqa: PLR0911 (one answer per kind of field)
    from oslo_versionedobjects import fields as oslo  # noqa: PLC0415

    original = _OSLO_FIELDS.get(field)
    if original is not None:
        return original
    options: dict[str, Any] = {"nullable": field.nullable}
    if field.default is not UNSET:
        options["default"] = field.default
    if isinstance(field, ObjectFieldBase):
        element = oslo.Object(field.objname, subclasses=field.subclasses)
        if field.kind == KIND_OBJECT:
            return oslo.ObjectField(field.objname, subclasses=field.subclasses, **options)
        if field.kind == KIND_OBJECT_LIST:
            return oslo.ListOfObjectsField(field.objname, subclasses=field.subclasses, **options)
        return oslo.Field(oslo.Dict(element), **options)
    simple = {
        "String": oslo.StringField,
        "UUID": oslo.UUIDField,
        "Boolean": oslo.BooleanField,
        "Integer": oslo.IntegerField,
        "MACAddress": oslo.MACAddressField,
        "IPAddress": oslo.IPAddressField,
        "IPNetwork": oslo.IPNetworkField,
        "PCIAddress": oslo.PCIAddressField,
    }.get(field.type_name)
    if simple is not None:
        return simple(**options)
    if field.type_name == "List(IPAddress)":
        return oslo.Field(oslo.List(oslo.IPAddress()), **options)
    match = _ENUM_TYPE_RE.fullmatch(field.type_name)
    if match is not None:
        return _enum_field_class(match.group(1), tuple(match.group(2).split(",")))(**options)
    return oslo.Field(_wrapped_type(field), **options)


@functools.cache
def _enum_field_class(type_name: str, valid_values: tuple[str, ...]) -> Any:
    # os-vif's enum types are oslo Enum subclasses under these names; the
    # name is part of each class's fingerprint.
    from oslo_versionedobjects import fields as oslo  # noqa: PLC0415

    enum_type = type(type_name, (oslo.Enum,), {})
    return type(
        f"{type_name}Field",
        (oslo.BaseEnumField,),
        {"AUTO_TYPE": enum_type(valid_values=valid_values)},
    )


def _wrapped_type(field: Field[Any]) -> Any:
    """An oslo field type that coerces and serializes as one of our fields does."""
    from oslo_versionedobjects import fields as oslo  # noqa: PLC0415

    def coerce(_self: Any, _obj: Any, _attr: str, value: Any) -> Any:
        try:
            return field.coerce(value)
        except FieldValueError as exc:
            raise ValueError(str(exc)) from None

    def to_primitive(_self: Any, _obj: Any, _attr: str, value: Any) -> Any:
        return value if field.to_primitive is None else field.to_primitive(value)

    name = re.sub(r"\W", "", field.type_name) or "Field"
    return type(name, (oslo.FieldType,), {"coerce": coerce, "to_primitive": to_primitive})()


# --- oslo's registry ----------------------------------------------------------


def ensure_active() -> None:
    """Give every class of ours its oslo declarations and register it with oslo.

    Idempotent. Called once oslo.versionedobjects is in the process: by
    ``register_all()``, at import of :mod:`os_vif.objects`, and when a class
    is declared the os-vif way.
    """
    global _active  # noqa: PLW0603 (one switch per process, set once)
    if _active:
        return
    _active = True
    from oslo_versionedobjects import base as oslo_base  # noqa: PLC0415

    from os_vif.objects.base import VersionedObject, obj_registry  # noqa: PLC0415

    # Our objects become oslo objects for oslo's isinstance checks (an oslo
    # object holding one of ours counts its changes and backlevels it).
    VersionedObject.__bases__ = (oslo_base.VersionedObject,)

    # Parents first: oslo merges each class's fields with its parents'.
    for cls in sorted(obj_registry().values(), key=lambda c: len(c.__mro__)):
        _expose(cls, register=not _declared_the_oslo_way(cls))


def class_defined(cls: type[VersionedObject], *, registered: bool) -> None:
    """Hook for a class created while oslo.versionedobjects is loaded."""
    if _declared_the_oslo_way(cls):
        ensure_active()
        # Its own code registers it with oslo (or chooses not to).
        _expose(cls, register=False)
    elif _active:
        _expose(cls, register=registered)


def _declared_the_oslo_way(cls: type) -> bool:
    return bool(vars(cls).get("_obj_oslo_style", False))


def _expose(cls: type[VersionedObject], *, register: bool) -> None:
    type.__setattr__(cls, "fields", {name: _oslo_field(f) for name, f in cls._obj_fields.items()})
    if register and cls.OBJ_PROJECT_NAMESPACE == "os_vif":
        from oslo_versionedobjects import base as oslo_base  # noqa: PLC0415

        add: Callable[[type], Any] = oslo_base.VersionedObjectRegistry.register
        add(cls)


def read_foreign(primitive: Mapping[str, Any], expected: type[VersionedObject]) -> Any:
    """Read a primitive of an oslo class of the os_vif namespace, or None.

    Only when the caller asked for any object (``VersionedObject``): a class
    that is not ours is no subclass of anything narrower.
    """
    from os_vif.objects.base import VersionedObject  # noqa: PLC0415

    if expected is not VersionedObject:
        return None
    from oslo_versionedobjects import base as oslo_base  # noqa: PLC0415

    classes = oslo_base.VersionedObjectRegistry.obj_classes().get(
        str(primitive.get("versioned_object.name"))
    )
    if not classes or issubclass(classes[0], VersionedObject):
        return None
    reader: Callable[[Any], Any] = classes[0].obj_from_primitive
    return reader(primitive)
