"""Plugin configuration from a mapping, a TOML file or an INI file (nova.conf)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from os_vif import exception
from os_vif._config import build_config, read_config
from os_vif.plugin import PluginConfig, option


@dataclass(frozen=True)
class SampleConfig(PluginConfig):
    enabled: bool = False
    mtu: int = 1500
    timeout: float = 5.0
    name: str = "br-int"
    dirs: tuple[str, ...] = ("/run",)
    maybe: int | None = None

    def __post_init__(self) -> None:
        if self.mtu < 68:
            raise ValueError(f"mtu {self.mtu} is below 68")


def test_defaults_without_options():
    assert build_config(SampleConfig, None) == SampleConfig()


def test_mapping_values_keep_their_types():
    options = read_config({"sample": {"enabled": True, "mtu": 9000, "dirs": ["/a", "/b"]}})
    config = build_config(SampleConfig, options["sample"])
    assert config == SampleConfig(enabled=True, mtu=9000, dirs=("/a", "/b"))


def test_section_prefix_is_accepted_in_mappings():
    assert set(read_config({"os_vif_sample": {}})) == {"sample"}


def test_toml_file(tmp_path):
    path = tmp_path / "os-vif.toml"
    path.write_text('[sample]\nenabled = true\ntimeout = 2\nname = "br0"\n')
    config = build_config(SampleConfig, read_config(str(path))["sample"])
    assert (config.enabled, config.timeout, config.name) == (True, 2.0, "br0")


def test_ini_file_like_nova_conf(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text(
        "[DEFAULT]\nlog_format = %(asctime)s\n\n"
        "[os_vif_sample]\nenabled = True\nmtu = 9000\ndirs = /a, /b\nmaybe =\n\n"
        "[libvirt]\nvirt_type = kvm\n"
    )
    options = read_config(path)
    assert set(options) == {"sample"}
    config = build_config(SampleConfig, options["sample"])
    assert config == SampleConfig(enabled=True, mtu=9000, dirs=("/a", "/b"), maybe=None)


@pytest.mark.parametrize(
    ("values", "option", "reason"),
    [
        ({"enabled": "yes"}, "enabled", "expected true or false"),
        ({"mtu": "9000"}, "mtu", "expected an integer"),
        ({"mtu": True}, "mtu", "expected an integer"),
        ({"dirs": "/a"}, "dirs", "expected a list of text"),
        ({"name": 5}, "name", "expected text"),
    ],
)
def test_mapping_errors_name_section_and_option(values, option, reason):
    with pytest.raises(exception.ConfigError) as info:
        build_config(SampleConfig, read_config({"sample": values})["sample"])
    assert (info.value.source, info.value.section, info.value.option) == (
        "<mapping>",
        "sample",
        option,
    )
    assert reason in str(info.value)


def test_unknown_options_are_ignored_with_a_warning(caplog):
    # Unknown options used to be refused, which stopped every plugin loading
    # over one typo; oslo.config ignores them, and so do we, with a warning.
    options = read_config({"sample": {"bogus": 1, "mtu": 9000}})["sample"]
    assert build_config(SampleConfig, options) == SampleConfig(mtu=9000)
    assert "bogus" in caplog.text
    assert "[sample]" in caplog.text


def test_deprecated_default_group_and_interpolation(tmp_path):
    @dataclass(frozen=True)
    class Moved(PluginConfig):
        mtu: int = option(1500, deprecated_group="DEFAULT")
        path: str = "/run"
        other: int = 0

    path = tmp_path / "nova.conf"
    path.write_text(
        "[DEFAULT]\nstate_path = /srv/nova\nmtu = 9000\nother = 7\n\n"
        "[os_vif_sample]\npath = ${state_path}/x/$$1/$name\nname = vhu\n"
    )
    config = build_config(Moved, read_config(path)["sample"])
    # [DEFAULT] mtu is taken (deprecated name); [DEFAULT] other is not (no
    # deprecated group): only the os-vif options that lived there do.
    assert config == Moved(mtu=9000, path="/srv/nova/x/$1/vhu")
    path.write_text("[os_vif_sample]\npath = $state_path/x\n")
    with pytest.raises(exception.ConfigError, match=r"\$state_path is not set"):
        build_config(Moved, read_config(path)["sample"])


def test_default_section_reaches_a_plugin_without_a_section(tmp_path):
    @dataclass(frozen=True)
    class Moved(PluginConfig):
        mtu: int = option(1500, deprecated_group="DEFAULT")

    path = tmp_path / "nova.conf"
    path.write_text("[DEFAULT]\nmtu = 9000\n")
    read = read_config(path)
    assert set(read) == set()
    assert build_config(Moved, read.for_plugin("sample")) == Moved(mtu=9000)


def test_ini_errors_name_file_section_and_option(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text("[os_vif_sample]\nmtu = lots\n")
    with pytest.raises(exception.ConfigError) as info:
        build_config(SampleConfig, read_config(path)["sample"])
    assert str(path) in str(info.value)
    assert "[os_vif_sample] mtu" in str(info.value)


def test_checks_of_the_config_class_are_reported():
    with pytest.raises(exception.ConfigError, match="below 68"):
        build_config(SampleConfig, read_config({"sample": {"mtu": 10}})["sample"])


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(exception.ConfigError, match="cannot read"):
        read_config(tmp_path / "missing.conf")
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[sample\n")
    with pytest.raises(exception.ConfigError, match="not valid TOML"):
        read_config(bad_toml)
    bad_ini = tmp_path / "bad.conf"
    bad_ini.write_text("no section header\n")
    with pytest.raises(exception.ConfigError, match="not a valid INI"):
        read_config(bad_ini)
    with pytest.raises(exception.ConfigError, match="expected a table"):
        read_config({"sample": 5})


def test_repeated_keys_in_other_sections_of_nova_conf(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text(
        "[pci]\ndevice_spec = {}\ndevice_spec = {}\n\n[os_vif_sample]\nmtu = 1400\nmtu = 9000\n"
    )
    config = build_config(SampleConfig, read_config(path)["sample"])
    assert config.mtu == 9000
