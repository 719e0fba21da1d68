"""Agreeing on a VIF between a compute host and the network side.

The flow, over whatever transport the caller uses:

1. The compute host sends its :class:`~os_vif.objects.HostInfo` as a
   primitive (:func:`request_vif` does this through a ``send`` callable).
2. The network side reads it and picks the first of its offers, in its order
   of preference, that a host plugin supports, at the newest version both
   know (:func:`select_vif`), builds the VIF and sends it back at exactly that
   version (:meth:`Selection.to_primitive`). :func:`answer_host_info` does
   both steps and turns failures into an error reply.
3. If the HostInfo is newer than the network side understands, the reply is
   an error carrying the newest versions the network side knows (a version
   manifest). The compute host backlevels its HostInfo to it and retries
   once.
4. The compute host reads the VIF and checks it is one it can plug.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from os_vif import exception
from os_vif.exception import HostInfoTooNew, NegotiationFailed
from os_vif.objects.base import VersionedObject
from os_vif.objects.fields import parse_version
from os_vif.objects.host_info import (
    HostInfo,
    HostPluginInfo,
    HostPortProfileInfo,
    HostVIFInfo,
)
from os_vif.objects.vif import VIFBase

__all__ = [
    "ERROR_KEY",
    "Selection",
    "VIFOffer",
    "answer_host_info",
    "host_info_manifest",
    "request_vif",
    "select_vif",
]

LOG = logging.getLogger(__name__)

#: The key of an error reply: ``{ERROR_KEY: {"type": ..., "message": ...}}``.
ERROR_KEY: Final = "os_vif_error"
_TOO_NEW: Final = "HostInfoTooNew"
_HOST_INFO_CLASSES: Final = (HostInfo, HostPluginInfo, HostVIFInfo, HostPortProfileInfo)


def host_info_manifest() -> dict[str, str]:
    """The newest version of each HostInfo class this library understands."""
    return {cls.obj_name(): cls.VERSION for cls in _HOST_INFO_CLASSES}


@dataclass(frozen=True)
class VIFOffer:
    """A kind of VIF the network side can build for a port.

    Attributes:
        vif_class: the VIF class name, e.g. ``"VIFOpenVSwitch"``.
        port_profile: the port profile class it comes with, if any.
        plugin: only this host plugin, or any plugin that declares the class.
    """

    vif_class: str
    port_profile: str | None = None
    plugin: str | None = None


@dataclass(frozen=True)
class Selection:
    """What both sides support: the VIF to build and the versions to send.

    Attributes:
        plugin: the host plugin that will plug the VIF (set ``vif.plugin``).
        vif_class: the VIF class name.
        vif_version: the version to send the VIF at.
        port_profile: the port profile class name, if any.
        port_profile_version: the version to send it at; None when the host
            did not list its port profiles (HostVIFInfo 1.0): then the
            profile goes at its own version.
    """

    plugin: str
    vif_class: str
    vif_version: str
    port_profile: str | None = None
    port_profile_version: str | None = None

    def to_primitive(self, vif: VIFBase) -> dict[str, Any]:
        """Serialize *vif* at the selected versions.

        Raises:
            ValueError: *vif* is not of the selected class or plugin, or its
                port profile is not the selected one.
        """
        if type(vif).obj_name() != self.vif_class:
            raise ValueError(f"selected {self.vif_class}, got {type(vif).obj_name()}")
        if vif.plugin != self.plugin:
            raise ValueError(f"selected plugin {self.plugin!r}, the VIF names {vif.plugin!r}")
        manifest: dict[str, str] = {}
        if self.port_profile is not None:
            profile = type(vif.port_profile).obj_name() if "port_profile" in vif else None
            if profile != self.port_profile:
                raise ValueError(f"selected port profile {self.port_profile}, got {profile}")
            if self.port_profile_version is not None:
                # A manifest names a child by its field's declared class, as
                # oslo.versionedobjects (so os-vif) looks it up.
                declared = type(vif)._obj_fields["port_profile"]
                manifest[getattr(declared, "objname", self.port_profile)] = (
                    self.port_profile_version
                )
        return vif.obj_to_primitive(
            target_version=self.vif_version, version_manifest=manifest or None
        )


def _read_host_info(primitive: Any) -> HostInfo:
    try:
        return HostInfo.obj_from_primitive(primitive)
    except exception.IncompatibleObjectVersion as exc:
        if exc.object_name in {cls.obj_name() for cls in _HOST_INFO_CLASSES}:
            raise HostInfoTooNew(cause=exc, manifest=host_info_manifest()) from exc
        raise


def _select_for_plugin(
    offer: VIFOffer, plugin: HostPluginInfo
) -> Selection | exception.ExceptionBase:
    try:
        vif_info = plugin.get_vif(offer.vif_class)
        vif_version = vif_info.get_common_version()
        profile_version = None
        if offer.port_profile is not None and "supported_port_profiles" in vif_info:
            profile_info = vif_info.get_port_profile(offer.port_profile)
            profile_version = profile_info.get_common_version()
    except exception.ExceptionBase as exc:
        return exc
    return Selection(
        plugin=plugin.plugin_name,
        vif_class=offer.vif_class,
        vif_version=vif_version,
        port_profile=offer.port_profile,
        port_profile_version=profile_version,
    )


def select_vif(host_info: HostInfo | Mapping[str, Any], offers: Sequence[VIFOffer]) -> Selection:
    """Pick the first offer a host plugin supports, at the best common versions.

    Args:
        host_info: the host's HostInfo, or its primitive as received.
        offers: what the network side can build, most preferred first.

    Raises:
        HostInfoTooNew: the HostInfo primitive is newer than we understand;
            its ``manifest`` is what to send back (:func:`answer_host_info`
            does).
        InvalidPrimitive: the HostInfo primitive is malformed.
        NoMatchingVIFClass, NoSupportedVIFVersion, NoMatchingPortProfileClass,
        NoSupportedPortProfileVersion: no offer fits; the error is the one
            met for the most preferred offer some plugin knows.
    """
    host = host_info if isinstance(host_info, HostInfo) else _read_host_info(host_info)
    first_failure: exception.ExceptionBase | None = None
    for offer in offers:
        for plugin in host.plugin_info:
            if offer.plugin is not None and plugin.plugin_name != offer.plugin:
                continue
            if not plugin.has_vif(offer.vif_class):
                continue
            outcome = _select_for_plugin(offer, plugin)
            if isinstance(outcome, Selection):
                return outcome
            first_failure = first_failure or outcome
    if first_failure is not None:
        raise first_failure
    raise exception.NoMatchingVIFClass(name=", ".join(offer.vif_class for offer in offers))


def answer_host_info(
    host_info_primitive: Any,
    offers: Sequence[VIFOffer],
    build_vif: Callable[[Selection], VIFBase],
) -> dict[str, Any]:
    """The network side in one call: the VIF primitive, or an error reply.

    Args:
        host_info_primitive: the HostInfo primitive as received.
        offers: what the network side can build, most preferred first.
        build_vif: builds the VIF for the selection (with
            ``plugin=selection.plugin``).

    Returns:
        The VIF primitive at the selected versions, or
        ``{ERROR_KEY: {"type", "message"[, "version_manifest"]}}``.
    """
    try:
        selection = select_vif(host_info_primitive, offers)
    except HostInfoTooNew as exc:
        return _too_new_reply(exc)
    except exception.ExceptionBase as exc:
        return {ERROR_KEY: {"type": type(exc).__name__, "message": str(exc)}}
    return selection.to_primitive(build_vif(selection))


def _too_new_reply(error: HostInfoTooNew) -> dict[str, Any]:
    return {
        ERROR_KEY: {
            "type": _TOO_NEW,
            "message": str(error),
            "version_manifest": dict(error.manifest),
        }
    }


def _error_of(reply: Any) -> Mapping[str, Any] | None:
    if isinstance(reply, Mapping) and ERROR_KEY in reply:
        error = reply[ERROR_KEY]
        return error if isinstance(error, Mapping) else {"type": "unknown", "message": str(error)}
    return None


def _manifest_of(error: Mapping[str, Any]) -> dict[str, str] | None:
    manifest = error.get("version_manifest")
    if error.get("type") != _TOO_NEW or not isinstance(manifest, Mapping):
        return None
    if not all(isinstance(k, str) and parse_version(v) for k, v in manifest.items()):
        return None
    return dict(manifest)


def request_vif(
    send: Callable[[dict[str, Any]], Any],
    host_info: HostInfo,
) -> VIFBase:
    """The compute side: send HostInfo, backlevel once if asked, read the VIF.

    Args:
        send: delivers a HostInfo primitive to the network side and returns
            its reply (a VIF primitive or an error reply). It may also raise
            :class:`HostInfoTooNew` (an in-process network side).
        host_info: what this host can plug (``os_vif.host_info()``).

    Returns:
        The VIF, checked to be of a class, version and plugin this host
        declared.

    Raises:
        NegotiationFailed: the network side refused, twice said the HostInfo
            was too new, or sent a VIF this host did not offer.
        InvalidPrimitive: the reply is not a readable VIF primitive.
    """
    reply = _send(send, host_info.obj_to_primitive())
    error = _error_of(reply)
    manifest = _manifest_of(error) if error is not None else None
    if manifest is not None:
        LOG.info("Network side knows older HostInfo versions %s; backlevelling", manifest)
        reply = _send(send, host_info.obj_to_primitive(version_manifest=manifest))
        error = _error_of(reply)
    if error is not None:
        raise NegotiationFailed(
            kind=str(error.get("type", "unknown")), message=str(error.get("message", ""))
        )
    vif = VersionedObject.obj_from_primitive(reply)
    _check_pluggable(vif, host_info)
    assert isinstance(vif, VIFBase)  # noqa: S101 (checked just above)
    return vif


def _send(send: Callable[[dict[str, Any]], Any], primitive: dict[str, Any]) -> Any:
    try:
        return send(primitive)
    except HostInfoTooNew as exc:
        return _too_new_reply(exc)


def _check_pluggable(vif: VersionedObject, host_info: HostInfo) -> None:
    if not isinstance(vif, VIFBase):
        raise NegotiationFailed(kind="NotAVIF", message=f"got a {type(vif).obj_name()}")
    name = vif.plugin if "plugin" in vif else ""
    if not host_info.has_plugin(name):
        raise NegotiationFailed(kind="NoMatchingPlugin", message=f"plugin {name!r} not offered")
    plugin = host_info.get_plugin(name)
    vif_class = type(vif).obj_name()
    if not plugin.has_vif(vif_class):
        raise NegotiationFailed(
            kind="NoMatchingVIFClass", message=f"{vif_class} not offered by plugin {name!r}"
        )
    declared = plugin.get_vif(vif_class)
    low, high = parse_version(declared.min_version), parse_version(declared.max_version)
    version = parse_version(vif.obj_version)
    if low is None or high is None or version is None or not low <= version <= high:
        raise NegotiationFailed(
            kind="NoSupportedVIFVersion",
            message=f"{vif_class} {vif.obj_version} outside "
            f"{declared.min_version}..{declared.max_version}",
        )
