"""`python -m topology`: the paths it prints, and on bad input a clear message with nothing written."""

from pathlib import Path

import pytest

import topology.__main__ as cli
from topology.__main__ import main
from topology.render import graph

RECORDED = Path(__file__).parent / "recorded"


@pytest.fixture
def fake_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dot source in place of what `dot` would draw from it: these tests are about the command, the
    pictures themselves are test_topology_render's."""
    monkeypatch.setattr(
        cli, "draw", lambda topology, formats: {fmt: graph(topology).source.encode() for fmt in formats}
    )


def test_it_draws_svg_and_png_and_prints_their_paths(tmp_path, capsys, fake_dot):
    assert main(["link", "--from-answers", str(RECORDED / "link.json"), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / "out" / "link.svg"), str(tmp_path / "out" / "link.png")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["link.png", "link.svg"]  # no temporary left
    assert b'"link/tomcat03/tomcat02"' in (tmp_path / "out" / "link.svg").read_bytes()
    assert (tmp_path / "out" / "link.svg").stat().st_mode & 0o044  # readable by others, like any file written


def test_a_prefixed_deployment_gets_pictures_of_its_own_name(tmp_path, capsys, fake_dot):
    assert (
        main(
            [
                "bridge",
                "--from-answers",
                str(RECORDED / "bridge.json"),
                "--out",
                str(tmp_path),
                "--name-prefix",
                "it-0a1b2c-",
                "--formats",
                "svg",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == [str(tmp_path / "it-0a1b2c-bridge.svg")]


def test_saved_answers_draw_the_same_picture(tmp_path, capsys, fake_dot):
    assert (
        main(
            [
                "mynet",
                "--from-answers",
                str(RECORDED / "mynet.json"),
                "--out",
                str(tmp_path / "a"),
                "--save-answers",
                str(tmp_path / "again.json"),
                "--formats",
                "svg",
            ]
        )
        == 0
    )
    assert (
        main(
            ["mynet", "--from-answers", str(tmp_path / "again.json"), "--out", str(tmp_path / "b"), "--formats", "svg"]
        )
        == 0
    )
    assert (tmp_path / "a" / "mynet.svg").read_bytes() == (tmp_path / "b" / "mynet.svg").read_bytes()


def test_an_engine_that_does_not_answer_writes_nothing(tmp_path, capsys):
    # DOCKER_HOST names a dead socket in every unit test (tests/unit/conftest.py).
    assert main(["bridge", "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("topology: no Docker engine answers at unix://") and "Fix: start the engine" in error
    assert not (tmp_path / "out").exists()


def test_answers_of_another_stack_are_refused(tmp_path, capsys):
    assert main(["redis", "--from-answers", str(RECORDED / "link.json"), "--out", str(tmp_path / "out")]) == 1
    assert "holds stack 'link', not 'redis'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_without_dot_it_says_what_to_install_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["link", "--from-answers", str(RECORDED / "link.json"), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert "Graphviz's `dot` is not installed. Fix: install it: `sudo apt-get install graphviz`" in error
    assert not (tmp_path / "out").exists()
