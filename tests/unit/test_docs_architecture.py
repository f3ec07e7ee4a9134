"""The architecture map in docs/architecture.md and the package's folders agree.

Every subpackage appears in the map (as `name/`), and every module the map names (`loops/emit.py`,
or `session.py` under amqp091/) exists, so a moved or renamed module cannot leave the map behind.
The import rules the map states are checked by tests/unit/test_import_rules.py.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pulp_amqp_tools"
MAP = re.compile(r"^```\n(.*?)^```", re.MULTILINE | re.DOTALL)


def the_map() -> str:
    """The first code block of docs/architecture.md: the drawing of the packages."""
    found = MAP.search((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert found, "docs/architecture.md has no map (a ``` block)"
    return found.group(1)


def named_modules(text: str) -> set[str]:
    """`a/b.py` and `b.py` as the map writes them; `{listen,emit}` spelled out."""
    names: set[str] = set()
    for word in re.findall(r"[\w/{},]+\.py\b", text):
        braces = re.fullmatch(r"(.*)\{([\w,]+)\}(.*)", word)
        if braces:
            names.update(braces.group(1) + part + braces.group(3) for part in braces.group(2).split(","))
        else:
            names.add(word.lstrip("/"))
    return names


def test_every_subpackage_is_in_the_map() -> None:
    text = the_map()
    missing = [
        str(folder.relative_to(PACKAGE))
        for folder in sorted(PACKAGE.rglob("__init__.py"))
        if folder.parent != PACKAGE and f"{folder.parent.relative_to(PACKAGE).as_posix()}/" not in text
    ]
    assert not missing, f"subpackages docs/architecture.md does not draw: {missing}"


def test_every_module_the_map_names_exists() -> None:
    modules = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    basenames = {Path(module).name for module in modules}
    gone = sorted(
        name
        for name in named_modules(the_map())
        if not (name in modules or any(module.endswith("/" + name) for module in modules))
        and not ("/" not in name and name in basenames)
    )
    assert not gone, f"modules docs/architecture.md names that do not exist: {gone}"


def test_named_modules_reads_the_maps_spellings() -> None:
    text = "argv -> commands/{listen,emit}.py  loops/peek.py\n  session.py  Transport"
    assert named_modules(text) == {"commands/listen.py", "commands/emit.py", "loops/peek.py", "session.py"}
