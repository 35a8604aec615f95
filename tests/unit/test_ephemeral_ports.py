"""The warning for published ports inside the kernel's ephemeral range."""

from pathlib import Path

from components.ephemeral_ports import ephemeral_port_warning, ephemeral_range


def test_ports_below_the_range_get_no_warning():
    assert ephemeral_port_warning("redis.basePort", [6371, 16376], (32768, 60999)) is None


def test_ports_inside_the_range_are_named_with_the_setting_and_the_fix():
    warning = ephemeral_port_warning("redis.basePort/busBasePort", [26371, 36371, 36376], (32768, 60999))
    assert warning is not None
    assert "redis.basePort/busBasePort" in warning
    assert "36371-36376" in warning and "32768-60999" in warning
    assert "below 32768" in warning


def test_an_unknown_range_gives_no_warning():
    assert ephemeral_port_warning("redis.basePort", [40000], None) is None


def test_the_range_is_read_from_the_kernel_file(tmp_path: Path):
    source = tmp_path / "ip_local_port_range"
    source.write_text("32768\t60999\n")
    assert ephemeral_range(source) == (32768, 60999)
    assert ephemeral_range(tmp_path / "missing") is None
