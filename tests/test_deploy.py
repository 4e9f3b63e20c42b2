"""`bcnn deploy`: the ssh/scp commands it builds (no network), and its refusals."""
import shlex

import pytest
from click.testing import CliRunner

from build_flows.cli import main
from build_flows.deploy.remote import deploy_commands
from models.errors import BcnnError


@pytest.fixture(scope="module")
def deployed(built):
    return built("tfc_w1a1", folding="tfc_w1a1", outputs=["deploy"])


def test_commands_copy_the_package_to_the_boards_notebooks(deployed):
    mkdir, copy = deploy_commands(deployed, "xilinx@192.168.2.99", port=2222)
    target = f"/home/xilinx/jupyter_notebooks/bcnn/{deployed.name}"
    assert mkdir == ["ssh", "-p", "2222", "xilinx@192.168.2.99", f"mkdir -p {target}"]
    assert copy[:5] == ["scp", "-P", "2222", "-r", "-q"] and copy[-1] == f"xilinx@192.168.2.99:{target}/"
    assert sorted(p.rsplit("/", 1)[1] for p in copy[5:-1]) == sorted(p.name for p in (deployed / "deploy").iterdir())


def test_a_destination_with_spaces_stays_one_argument(deployed):
    mkdir, _ = deploy_commands(deployed, "board", dest="/home/xilinx/my designs/")
    assert shlex.split(mkdir[-1]) == ["mkdir", "-p", f"/home/xilinx/my designs/{deployed.name}"]


@pytest.mark.parametrize("host", ["", "a b", "x;rm -rf ~", "user@@board", "-oProxyCommand=x", "-oProxy"])
def test_a_bad_host_is_refused(deployed, host):
    with pytest.raises(BcnnError, match="expected USER@BOARD"):
        deploy_commands(deployed, host)


def test_cli_dry_run_and_a_build_without_a_package(deployed, built):
    result = CliRunner().invoke(main, ["deploy", str(deployed), "--host", "xilinx@pynq", "--dry-run"])
    assert result.exit_code == 0 and result.output.startswith("ssh -p 22 xilinx@pynq")
    result = CliRunner().invoke(main, ["deploy", str(built("tfc_w1a1", folding="tfc_w1a1")), "--host", "pynq"])
    assert result.exit_code == 2 and "no deployment package" in result.output and "--outputs ...,deploy" in result.output
