"""Commands load lazily: a run imports only its own command's module, and every command stays reachable."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from riskmodel.cli import main as cli


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


def test_every_command_is_listed_with_the_module_that_registers_it() -> None:
    full = _commands(cli.build_parser())
    assert sorted(full) == sorted(cli.COMMAND_MODULES)
    for command in full:
        alone = _commands(cli.build_parser([command, "--help"]))
        assert command in alone
        assert len(alone) < len(full)  # only the commands of that one module


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    listed = capsys.readouterr().out
    for command in cli.COMMAND_MODULES:
        assert f"\n    {command} " in listed or f"\n    {command}\n" in listed, command


@pytest.mark.parametrize("argv", [["bogus"], ["-x", "import"], []])
def test_an_unknown_or_missing_command_is_reported_with_all_of_them(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    error = capsys.readouterr().err
    if argv == ["bogus"]:
        assert "invalid choice: 'bogus'" in error and "'fleet'" in error and "'validate'" in error
    else:
        assert "usage: python -m riskmodel" in error


def test_import_does_not_load_the_engine_report_or_plotting_stack() -> None:
    probe = ("import sys\nfrom riskmodel.cli.main import main\nassert main(['import', '--help']) == 0\n"
             "print('loaded:', ' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('plotly', 'pandas', 'networkx', 'scipy') or m.startswith(('riskmodel.engine', 'riskmodel.report', "
             "'riskmodel.simulate', 'riskmodel.plan')))))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "usage: python -m riskmodel import" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "loaded:"
