"""What Vivado packaged, read back from the IP's component.xml (IP-XACT): every memory file the
design's $readmemh calls open must be in the IP's synthesis and simulation file groups, where the
tools find it by name. One that is not would leave its memory all zero in the bitstream."""
import xml.etree.ElementTree as ET
from pathlib import Path

from models.errors import BcnnError

SPIRIT = "{http://www.spiritconsortium.org/XMLSchema/SPIRIT/1685-2009}"


def file_groups(component: Path) -> dict:
    """fileSet name -> the file names (without directories) it lists."""
    try:
        root = ET.parse(component).getroot()
    except (OSError, ET.ParseError) as exc:
        raise BcnnError(f"{component}: not a readable IP-XACT component ({exc})") from exc
    groups = {}
    for fileset in root.iter(f"{SPIRIT}fileSet"):
        name = fileset.findtext(f"{SPIRIT}name", "")
        groups[name] = {Path(f.findtext(f"{SPIRIT}name", "")).name for f in fileset.iter(f"{SPIRIT}file")}
    return groups


def check_memory_files(component: Path, memory_files: list) -> None:
    groups = file_groups(component)
    for kind in ("synthesis", "simulation"):
        listed = set().union(*(files for name, files in groups.items() if kind in name))
        missing = sorted(set(memory_files) - listed)
        if missing:
            raise BcnnError(f"{component}: the IP's {kind} files lack {len(missing)} memory file(s) "
                            f"({', '.join(missing[:4])}{', ...' if len(missing) > 4 else ''}); their memories would be "
                            "all zero: package the IP with the generated ip/package_ip.tcl, which adds them")
