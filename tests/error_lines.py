"""What a user sees of an internal failure: exit status 1 and one line on stderr that ends with the
CLI's bug hint, no traceback (shared by test_internal_errors.py and test_tool_failures.py)."""
from build_flows.cli.commands import BUG_HINT


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(BUG_HINT), result.stderr
    assert "Traceback" not in result.output
    return lines[0]
