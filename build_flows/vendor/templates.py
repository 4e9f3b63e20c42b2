"""Text templates of the vendor tier (templates/*), filled by @NAME@ placeholders: Tcl and C++
keep their own braces and dollars, and a placeholder left unfilled is an error, not a silent gap."""
import re
from importlib.resources import files


def fill(template: str, **values) -> str:
    text = files(__package__).joinpath("templates", template).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    left = sorted(set(re.findall(r"@([A-Z_]+)@", text)))
    if left:
        raise KeyError(f"template {template}: no value for {', '.join(left)}")
    return text
