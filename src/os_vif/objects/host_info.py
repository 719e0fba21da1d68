"""What a host can plug: its plugins, their VIF classes and port profiles, by version.

A compute host sends a :class:`HostInfo` to the network side, which picks a
VIF class and version from it (see :mod:`os_vif.negotiation`).
"""

from __future__ import annotations

from collections.abc import Iterable

from os_vif import exception
from os_vif.objects import fields
from os_vif.objects.base import VersionedObject, obj_registry
from os_vif.objects.fields import parse_version

__all__ = ["HostInfo", "HostPluginInfo", "HostPortProfileInfo", "HostVIFInfo"]


def newest_common_version(object_name: str, min_version: str, max_version: str) -> str | None:
    """The newest version of *object_name* we can produce within a range.

    Unlike os-vif, which offers only its newest version, any older version we
    can backlevel to counts. Returns None when the range holds none of ours.

    Raises:
        LookupError: the object name is not one we know.

    """
    cls = obj_registry().get(object_name)
    if cls is None:
        raise LookupError(object_name)
    low, high = parse_version(min_version), parse_version(max_version)
    if low is None or high is None:
        return None
    for version in reversed(cls.obj_versions()):
        parsed = parse_version(version)
        if parsed is not None and low <= parsed <= high:
            return version
    return None


class HostPortProfileInfo(VersionedObject):
    """A port profile class a VIF type accepts, and its version range."""

    # Version 1.0: first version
    VERSION = "1.0"

    profile_object_name: str = fields.StringField()
    min_version: str = fields.StringField()
    max_version: str = fields.StringField()

    def get_common_version(self) -> str:
        """The newest profile version both this host's range and we support.

        Raises:
            NoMatchingPortProfileClass: we do not know the class.
            NoSupportedPortProfileVersion: no version of ours is in range.

        """
        try:
            version = newest_common_version(
                self.profile_object_name, self.min_version, self.max_version
            )
        except LookupError:
            raise exception.NoMatchingPortProfileClass(name=self.profile_object_name) from None
        if version is None:
            raise exception.NoSupportedPortProfileVersion(
                name=self.profile_object_name,
                got_versions=",".join(obj_registry()[self.profile_object_name].obj_versions()),
                min_version=self.min_version,
                max_version=self.max_version,
            )
        return version


class HostVIFInfo(VersionedObject):
    """A VIF class a plugin can plug, its version range and port profiles."""

    # Version 1.0: first version
    # Version 1.1: 'supported_port_profiles' added
    VERSION = "1.1"

    vif_object_name: str = fields.StringField()
    min_version: str = fields.StringField()
    max_version: str = fields.StringField()
    supported_port_profiles: list[HostPortProfileInfo] = fields.ListOfObjectsField(
        "HostPortProfileInfo", since="1.1"
    )

    def get_common_version(self) -> str:
        """The newest VIF version both this host's range and we support.

        Raises:
            NoMatchingVIFClass: we do not know the class.
            NoSupportedVIFVersion: no version of ours is in range.

        """
        try:
            version = newest_common_version(
                self.vif_object_name, self.min_version, self.max_version
            )
        except LookupError:
            raise exception.NoMatchingVIFClass(name=self.vif_object_name) from None
        if version is None:
            raise exception.NoSupportedVIFVersion(
                name=self.vif_object_name,
                got_versions=",".join(obj_registry()[self.vif_object_name].obj_versions()),
                min_version=self.min_version,
                max_version=self.max_version,
            )
        return version

    def get_port_profile(self, name: str) -> HostPortProfileInfo:
        """The entry for port profile class *name*.

        Raises:
            NoMatchingPortProfileClass: the VIF type does not list it.

        """
        for profile in self._port_profiles():
            if profile.profile_object_name == name:
                return profile
        raise exception.NoMatchingPortProfileClass(name=name)

    def _port_profiles(self) -> list[HostPortProfileInfo]:
        return self.supported_port_profiles if "supported_port_profiles" in self else []


class HostPluginInfo(VersionedObject):
    """A plugin installed on the host and the VIF classes it can plug."""

    # Version 1.0: first version
    VERSION = "1.0"

    plugin_name: str = fields.StringField()
    vif_info: list[HostVIFInfo] = fields.ListOfObjectsField("HostVIFInfo")

    def has_vif(self, name: str) -> bool:
        """Whether the plugin declares VIF class *name*."""
        return any(vif.vif_object_name == name for vif in self.vif_info)

    def get_vif(self, name: str) -> HostVIFInfo:
        """The entry for VIF class *name*.

        Raises:
            NoMatchingVIFClass: the plugin does not declare it.

        """
        for vif in self.vif_info:
            if vif.vif_object_name == name:
                return vif
        raise exception.NoMatchingVIFClass(name=name, plugin_name=self.plugin_name)

    def filter_vif_types(self, permitted_vif_type_names: Iterable[str]) -> None:
        """Keep only the VIF classes named in *permitted_vif_type_names*."""
        permitted = set(permitted_vif_type_names)
        self.vif_info = [vif for vif in self.vif_info if vif.vif_object_name in permitted]


class HostInfo(VersionedObject):
    """Everything a host can plug: one entry per loaded plugin."""

    # Version 1.0: first version
    VERSION = "1.0"

    plugin_info: list[HostPluginInfo] = fields.ListOfObjectsField("HostPluginInfo")

    def has_plugin(self, name: str) -> bool:
        """Whether plugin *name* is listed."""
        return any(plugin.plugin_name == name for plugin in self.plugin_info)

    def get_plugin(self, name: str) -> HostPluginInfo:
        """The entry for plugin *name*.

        Raises:
            NoMatchingPlugin: no such plugin is listed.

        """
        for plugin in self.plugin_info:
            if plugin.plugin_name == name:
                return plugin
        raise exception.NoMatchingPlugin(
            plugin_name=name, loaded=tuple(p.plugin_name for p in self.plugin_info)
        )

    def filter_vif_types(self, permitted_vif_type_names: Iterable[str]) -> None:
        """Keep only the named VIF classes, and the plugins left with any."""
        permitted = set(permitted_vif_type_names)
        kept = []
        for plugin in self.plugin_info:
            plugin.filter_vif_types(permitted)
            if plugin.vif_info:
                kept.append(plugin)
        self.plugin_info = kept
