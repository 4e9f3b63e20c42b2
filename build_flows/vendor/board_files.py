"""Vivado board files (board.xml and its presets), which Pynq-Z1/Z2 and Ultra96 need and Vivado
does not ship: the folder a user gives is made absolute and checked before any tool runs."""
import re
from pathlib import Path

from models.errors import BcnnError

BOARD_TAG = re.compile(r"<board\s[^>]*>")


def board_identity(board_xml: Path) -> tuple:
    """(vendor, name, file_version) of a board.xml, as Vivado names its board part."""
    text = board_xml.read_text(errors="replace")
    tag = BOARD_TAG.search(text)
    attrs = dict(re.findall(r'\s(\w+)="([^"]*)"', tag.group(0))) if tag else {}
    version = re.search(r"<file_version>([^<]+)</file_version>", text)
    return attrs.get("vendor"), attrs.get("name"), version.group(1).strip() if version else None


def find_board(folder: Path, board_part: str) -> list:
    """The versions of `vendor:name` (from a board part) whose board.xml lies below `folder`."""
    vendor, name = board_part.split(":")[:2]
    found = []
    for xml in Path(folder).rglob("board.xml"):
        v, n, version = board_identity(xml)
        if (v, n) == (vendor, name):
            found.append(version)
    return sorted(found)


def resolve_board_files(path, board) -> Path | None:
    """--board-files as an absolute folder holding the board's board.xml (None: none given)."""
    if path is None or str(path) == "":
        return None
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise BcnnError(f"--board-files {path}: no such directory ({folder}); give the folder holding {board.name}'s "
                        "board.xml, e.g. a checkout of Xilinx/XilinxBoardStore (boards/)")
    if not find_board(folder, board.board_part):
        vendor, name = board.board_part.split(":")[:2]
        raise BcnnError(f"--board-files {path}: no board.xml of {vendor}:{name} ({board.name}) below {folder}; "
                        "give the folder of that board's files (e.g. XilinxBoardStore/boards/TUL/pynq-z2)")
    return folder
