"""Classes declared the os-vif way, with oslo.versionedobjects, work on our objects.

Each test runs in a fresh interpreter of the "ours + oslo" virtualenv, as a
consumer's process would: oslo.versionedobjects imported first, then ours.
(oslo.versionedobjects is not in our own test environment: it pulls in
eventlet, which changes what the ``ovs`` package does at import.)
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

PRELUDE = """
import json, warnings
warnings.simplefilter("ignore")
from oslo_versionedobjects import base as ovo_base, fields as ovo_fields
from os_vif import objects
from os_vif.objects import base as osv_base, vif as osv_vif
objects.register_all()
VIF_ID = "2ea4cd0e-85b2-4d25-9c13-ebd4e6e5e0e4"
def out(value):
    print(json.dumps(value, sort_keys=True, default=str))
"""


@pytest.fixture
def run(ours_oslo_python: Path):
    def in_fresh_interpreter(code: str) -> Any:
        return _run(ours_oslo_python, code)

    return in_fresh_interpreter


def _run(python: Path, code: str) -> Any:
    result = subprocess.run(
        [str(python), "-c", PRELUDE + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_subclass_with_oslo_fields_registered_by_oslo(run):
    answer = run(
        """
        @ovo_base.VersionedObjectRegistry.register
        class VIFVlanNested(osv_vif.VIFBase):
            VERSION = "1.0"
            fields = {
                "vif_name": ovo_fields.StringField(),
                "vlan_id": ovo_fields.IntegerField(),
            }

        vif = VIFVlanNested(id=VIF_ID, vif_name="eth1", vlan_id="7", plugin="noop")
        primitive = vif.obj_to_primitive()
        back = osv_base.VersionedObject.obj_from_primitive(primitive)
        via_oslo = ovo_base.VersionedObject.obj_class_from_name("VIFVlanNested", "1.0")
        out({
            "primitive": primitive,
            "back_equal": back == vif,
            "back_type": type(back).__name__,
            "vlan_id": back.vlan_id,
            "oslo_class_is_ours": via_oslo is VIFVlanNested,
            "fields_are_oslo": all(
                isinstance(f, ovo_fields.Field) for f in VIFVlanNested.fields.values()
            ),
            "is_oslo_object": isinstance(vif, ovo_base.VersionedObject),
            "unset_read": repr(VIFVlanNested(id=VIF_ID).obj_attr_is_set("vlan_id")),
        })
        """
    )
    data = answer["primitive"]["versioned_object.data"]
    assert data == {"id": "2ea4cd0e-85b2-4d25-9c13-ebd4e6e5e0e4", "vif_name": "eth1",
                    "vlan_id": 7, "plugin": "noop"}  # fmt: skip
    assert answer["back_equal"] is True
    assert answer["back_type"] == "VIFVlanNested"
    assert answer["vlan_id"] == 7
    assert answer["oslo_class_is_ours"] is True
    assert answer["fields_are_oslo"] is True
    assert answer["is_oslo_object"] is True
    assert answer["unset_read"] == "False"


def test_bad_value_for_an_oslo_field_is_our_error(run):
    answer = run(
        """
        from os_vif import exception
        class Tagged(osv_vif.VIFBase):
            VERSION = "1.0"
            fields = {"vlan_id": ovo_fields.IntegerField()}
        try:
            Tagged(vlan_id="seven")
        except exception.InvalidFieldValue as exc:
            out(str(exc))
        """
    )
    assert "Tagged.vlan_id" in answer


def test_oslo_object_holding_ours_counts_changes_and_backlevels_it(run):
    answer = run(
        """
        @ovo_base.VersionedObjectRegistry.register
        class Holder(ovo_base.VersionedObject, ovo_base.ComparableVersionedObject):
            VERSION = "1.0"
            OBJ_PROJECT_NAMESPACE = "os_vif"
            fields = {
                "main": ovo_fields.ObjectField("VIFBase", subclasses=True),
                "more": ovo_fields.Field(ovo_fields.Dict(ovo_fields.Object("VIFBase",
                                                                           subclasses=True))),
            }

        net = objects.Network(id=VIF_ID, mtu=1400)
        main = objects.VIFBridge(id=VIF_ID, network=net, vif_name="tap0")
        holder = Holder(main=main, more={"eth1": objects.VIFGeneric(vif_name="eth1")})
        holder.obj_reset_changes()
        primitive = holder.obj_to_primitive()
        backlevelled = holder.obj_to_primitive(
            version_manifest={"VIFBase": "1.0", "Network": "1.0"}
        )
        read = osv_base.VersionedObject.obj_from_primitive(primitive)
        out({
            "changes": primitive.get("versioned_object.changes"),
            "net_version": backlevelled["versioned_object.data"]["main"][
                "versioned_object.data"]["network"]["versioned_object.version"],
            "read_type": type(read).__name__,
            "read_main": type(read.main).__name__,
            "read_equal": read == holder,
        })
        """
    )
    assert answer["changes"] == ["main"]
    assert answer["net_version"] == "1.0"
    assert answer["read_type"] == "Holder"
    assert answer["read_main"] == "VIFBridge"
    assert answer["read_equal"] is True


def test_oslo_style_override_backlevels_its_own_fields(run):
    answer = run(
        """
        from oslo_utils import versionutils

        class Profile(osv_vif.VIFPortProfileOpenVSwitch):
            VERSION = "1.5"
            fields = {"colour": ovo_fields.StringField(nullable=True)}

            def obj_make_compatible(self, primitive, target_version):
                target = versionutils.convert_version_to_tuple(target_version)
                if target < (1, 5):
                    primitive.pop("colour", None)
                super().obj_make_compatible(primitive, "1.4" if target >= (1, 4) else "1.2")

        profile = Profile(interface_id=VIF_ID, create_port=True, colour="red")
        out({
            "new": profile.obj_to_primitive()["versioned_object.data"],
            "old": profile.obj_to_primitive(target_version="1.2"),
        })
        """
    )
    assert answer["new"]["colour"] == "red"
    old = answer["old"]
    assert old["versioned_object.version"] == "1.2"
    assert "colour" not in old["versioned_object.data"]
    assert "create_port" not in old["versioned_object.data"]


def test_our_classes_carry_oslo_declarations_once_oslo_is_in_use(run):
    answer = run(
        """
        registered = ovo_base.VersionedObjectRegistry.obj_classes()
        out({
            "vifbridge": registered["VIFBridge"][0] is objects.VIFBridge,
            "vif_name": repr(objects.VIFBridge.fields["vif_name"]),
            "mode": repr(objects.VIFVHostUser.fields["mode"]),
            "reads_still_work": objects.VIFBridge(vif_name="x").vif_name,
        })
        """
    )
    assert answer["vifbridge"] is True
    assert answer["vif_name"].startswith("String(default=")
    assert answer["mode"].startswith("VIFVHostUserMode(")
    assert answer["reads_still_work"] == "x"
