"""Answer interop requests with OpenStack's os-vif, one JSON line at a time.

This script runs under the interpreter of the os-vif 5.3.0 virtualenv, never
under ours: it must not import anything from this repository. The test
session starts it once and keeps it running, so the cost of importing os-vif
(about a second) is paid once, not per request.

Protocol: one JSON object per line on stdin, one JSON object per line on
stdout, in the same order. Every answer has ``ok``; a failed request carries
``error = {"type": <exception class name>, "message": str(exc)}`` instead of
a result, so the tests can tell "upstream refuses this" from "the peer broke".

Requests (``op``):

``hello``
    ``{"os_vif": <installed version>}``
``describe``
    every os_vif class: ``VERSION`` and, for object-valued fields, the object
    name the field declares (the key a version manifest is looked up by).
``build``
    build ``spec`` (see ``build``) and serialize it with ``obj_to_primitive``
    at ``target_version`` / ``version_manifest`` (both optional).
``reserialize``
    read ``primitive`` with ``obj_from_primitive`` and serialize the result
    again, with the optional ``target_version`` / ``version_manifest``.

Warnings raised by os-vif (deprecations at import, FutureWarning for invalid
UUIDs) are captured here and returned in ``warnings``; they never reach the
test process, which runs with warnings as errors.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import uuid
import warnings
from typing import Any

# The protocol owns the real stdout; anything os-vif or its dependencies print
# goes to stderr instead of corrupting an answer.
_PROTOCOL_OUT = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
sys.stdout = sys.stderr

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from importlib import metadata

    from oslo_versionedobjects import base as ovo_base

    import os_vif.objects
    from os_vif.objects import base as osv_base

    os_vif.objects.register_all()


def _classes() -> dict[str, type]:
    registry = ovo_base.VersionedObjectRegistry.obj_classes()
    return {
        name: versions[0]
        for name, versions in registry.items()
        if versions[0].OBJ_PROJECT_NAMESPACE == "os_vif"
    }


CLASSES = _classes()


def build(spec: Any) -> Any:
    """Turn a neutral spec into os-vif values.

    A spec is a JSON scalar or list (taken as is, element-wise), or a dict with
    exactly one of: ``cls`` (+ optional ``kw``): an object built by keywords;
    ``uuid``: a ``uuid.UUID``; ``tuple``: a tuple of specs.
    """
    if isinstance(spec, list):
        return [build(item) for item in spec]
    if not isinstance(spec, dict):
        return spec
    if "cls" in spec:
        kwargs = {key: build(value) for key, value in spec.get("kw", {}).items()}
        return CLASSES[spec["cls"]](**kwargs)
    if "uuid" in spec:
        return uuid.UUID(spec["uuid"])
    if "tuple" in spec:
        return tuple(build(item) for item in spec["tuple"])
    raise ValueError(f"not a spec: {spec!r}")


def build_root(spec: dict[str, Any]) -> Any:
    obj = build(spec)
    reset = spec.get("reset")
    if reset == "shallow":
        obj.obj_reset_changes()
    elif reset == "recursive":
        obj.obj_reset_changes(recursive=True)
    return obj


def serialize(obj: Any, request: dict[str, Any]) -> dict[str, Any]:
    return obj.obj_to_primitive(
        target_version=request.get("target_version"),
        version_manifest=request.get("version_manifest"),
    )


def op_hello(_request: dict[str, Any]) -> dict[str, Any]:
    return {"os_vif": metadata.version("os-vif")}


def op_describe(_request: dict[str, Any]) -> dict[str, Any]:
    described = {}
    for name, cls in CLASSES.items():
        children = {
            field_name: field.objname
            for field_name, field in cls.fields.items()
            if hasattr(field, "objname")
        }
        described[name] = {
            "version": cls.VERSION,
            "fields": sorted(cls.fields),
            "children": children,
        }
    return {"classes": described}


def op_build(request: dict[str, Any]) -> dict[str, Any]:
    obj = build_root(request["spec"])
    return {"primitive": serialize(obj, request)}


def op_reserialize(request: dict[str, Any]) -> dict[str, Any]:
    obj = osv_base.VersionedObject.obj_from_primitive(request["primitive"])
    return {
        "class": type(obj).__name__,
        "instance_version": obj.VERSION,
        "primitive": serialize(obj, request),
    }


OPS = {
    "hello": op_hello,
    "describe": op_describe,
    "build": op_build,
    "reserialize": op_reserialize,
}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = OPS[request["op"]](request)
        except Exception as exc:  # report every refusal to the test, typed
            result = {
                "ok": False,
                "error": {
                    "type": type(exc).__name__,
                    "module": type(exc).__module__,
                    "message": str(exc),
                    "traceback": traceback.format_exc(limit=-3),
                },
            }
        else:
            result["ok"] = True
    result["warnings"] = [f"{item.category.__name__}: {item.message}" for item in caught]
    return result


def main() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        response = answer(json.loads(line))
        _PROTOCOL_OUT.write(json.dumps(response) + "\n")
        _PROTOCOL_OUT.flush()
    _PROTOCOL_OUT.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
