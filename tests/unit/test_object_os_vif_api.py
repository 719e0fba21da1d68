"""The object methods and behaviours os-vif callers use, without oslo in the process."""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import ClassVar

import pytest

from fixtures.objects import make_ovs_profile, make_vif_ovs
from os_vif import exception, objects
from os_vif.objects import fields
from os_vif.objects.base import VersionedObject, VersionedObjectPrintableMixin

DATA = "versioned_object.data"
VERSION = "versioned_object.version"
VIF_ID = "2ea4cd0e-85b2-4d25-9c13-ebd4e6e5e0e4"


def test_obj_make_compatible_drops_what_the_version_lacks():
    vif = objects.VIFVHostUser(path="/run/x.sock", mode="client", vif_name="vhu0")
    data = vif.obj_to_primitive()[DATA]
    vif.obj_make_compatible(data, "1.0")
    assert "vif_name" not in data
    assert data["path"] == "/run/x.sock"


def test_obj_make_compatible_backlevels_children_per_class():
    profile = make_ovs_profile(create_tap=True, multiqueue=True)
    data = profile.obj_to_primitive()[DATA]
    profile.obj_make_compatible(data, "1.3")
    assert "create_tap" not in data
    assert "multiqueue" not in data
    assert "create_port" in data
    profile.obj_make_compatible(data, "1.2")
    assert "create_port" not in data


def test_a_subclass_calls_its_parents_compat_with_the_parents_version():
    class Profile(objects.VIFPortProfileOpenVSwitch):
        VERSION = "1.5"
        PARENT_VERSIONS: ClassVar = {f"1.{n}": f"1.{min(n, 4)}" for n in range(6)}
        colour: str = fields.StringField(since="1.5")

        def obj_make_compatible(self, primitive, target_version):
            if target_version < "1.5":
                primitive.pop("colour", None)
            super().obj_make_compatible(primitive, min(target_version, "1.4"))

    profile = Profile(interface_id=VIF_ID, create_port=True, colour="red")
    primitive = profile.obj_to_primitive(target_version="1.2")
    assert primitive[VERSION] == "1.2"
    assert "colour" not in primitive[DATA]
    assert "create_port" not in primitive[DATA]
    assert profile.obj_to_primitive()[DATA]["colour"] == "red"


def test_manifest_backlevels_a_child_through_obj_make_compatible_from_manifest():
    vif = make_vif_ovs()
    data = vif.obj_to_primitive()[DATA]
    vif.obj_make_compatible_from_manifest(data, "1.0", {"VIFPortProfileBase": "1.0"})
    assert data["port_profile"][VERSION] == "1.0"
    assert "create_port" not in data["port_profile"][DATA]
    assert not hasattr(vif, "_obj_version_manifest")


def test_obj_set_defaults_fills_only_unset_fields():
    vif = VersionedObject.obj_from_primitive(
        {
            "versioned_object.name": "VIFBridge",
            "versioned_object.namespace": "os_vif",
            "versioned_object.version": "1.0",
            DATA: {"id": VIF_ID, "active": False},
        }
    )
    assert "preserve_on_delete" not in vif
    vif.obj_set_defaults()
    assert vif.active is False
    assert vif.preserve_on_delete is False
    assert "preserve_on_delete" in vif
    with pytest.raises(exception.InvalidFieldValue, match="no default"):
        vif.obj_set_defaults("vif_name")


def test_obj_class_from_name():
    assert VersionedObject.obj_class_from_name("VIFBridge", "1.0") is objects.VIFBridge
    assert VersionedObject.obj_class_from_name("VIFVHostUser", "1.0") is objects.VIFVHostUser
    with pytest.raises(exception.IncompatibleObjectVersion):
        VersionedObject.obj_class_from_name("VIFVHostUser", "1.9")
    with pytest.raises(exception.UnsupportedObjectError):
        VersionedObject.obj_class_from_name("VIFNoSuch", "1.0")


def test_obj_fields_lists_fields_then_extra_fields():
    class Extra(objects.VIFGeneric):
        obj_extra_fields = ("computed",)

    names = Extra().obj_fields
    assert names[-1] == "computed"
    assert set(names[:-1]) == set(objects.VIFGeneric().obj_fields)
    assert "vif_name" in names


def test_setting_version_marks_the_version_read_at():
    vif = objects.VIFVHostUser(path="/run/x.sock", mode="client", vif_name="vhu0")
    vif.VERSION = "1.0"
    assert vif.obj_to_primitive()[VERSION] == "1.0"
    assert "vif_name" not in vif.obj_to_primitive()[DATA]


def test_printable_mixin_prints_the_primitive():
    class Printable(objects.VIFGeneric, VersionedObjectPrintableMixin):
        pass

    text = str(Printable(vif_name="eth0"))
    assert "'vif_name': 'eth0'" in text

    class Plain(VersionedObjectPrintableMixin):
        def __repr__(self):
            return "plain"

    assert str(Plain()) == "plain"


def test_empty_list_goes_out_without_objects():
    # As os-vif: SubnetList() has no data; SubnetList(objects=[]) has it.
    assert objects.SubnetList().obj_to_primitive()[DATA] == {}
    assert objects.SubnetList(objects=[]).obj_to_primitive()[DATA] == {"objects": []}
    empty = objects.SubnetList()
    assert len(empty) == 0
    assert list(empty) == []
    assert empty.objects == []
    assert "objects" not in empty.obj_what_changed()


def test_representor_profile_warns_as_os_vif_does():
    with pytest.warns(PendingDeprecationWarning, match="VIFPortProfileOVSRepresentor"):
        profile = objects.VIFPortProfileOVSRepresentor(interface_id=VIF_ID)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        primitive = profile.obj_to_primitive()
    with pytest.warns(PendingDeprecationWarning, match="VIFPortProfileOVSRepresentor"):
        VersionedObject.obj_from_primitive(primitive)


def test_dict_of_objects_field_round_trips():
    class Pod(VersionedObject):
        VERSION = "1.0"
        vifs: dict[str, objects.VIFBase] = fields.DictOfObjectsField("VIFBase", subclasses=True)

    pod = Pod(vifs={"eth0": objects.VIFGeneric(vif_name="eth0")})
    primitive = pod.obj_to_primitive()
    assert primitive[DATA]["vifs"]["eth0"]["versioned_object.name"] == "VIFGeneric"
    back = VersionedObject.obj_from_primitive(primitive)
    assert back == pod
    with pytest.raises(exception.InvalidFieldValue, match="vifs"):
        Pod(vifs={"eth0": objects.Network()})
    with pytest.raises(exception.InvalidPrimitive, match="vifs"):
        VersionedObject.obj_from_primitive({**primitive, DATA: {"vifs": [1]}})


def test_our_own_path_never_imports_oslo():
    code = (
        "import sys, os_vif.objects as o\n"
        "o.register_all()\n"
        "o.VIFBridge(vif_name='x').obj_to_primitive()\n"
        "print(sorted(m for m in sys.modules if m.startswith('oslo')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
