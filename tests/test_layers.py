"""The apps depend one way: grid ← sms ← forms ← workflows (the engine) ← {open311, pages (sites
and community services), daily (the grid workers' day)} ← returns (statistics from all of
them) ← dashboards ← demo ← config. An app imports, and its templates load tag libraries of,
only the apps of layers below its own (not its sibling's), at any depth of a module (an import
inside a function is an import too)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    ("grid",),
    ("sms",),
    ("forms",),
    ("workflows",),
    ("open311", "pages", "daily"),
    ("returns",),
    ("dashboards",),
    ("demo",),
    ("config",),
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
FOLDERS = {app: ROOT / app for app in LEVEL} | {"config": ROOT / "site" / "config"}
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def imported_apps(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names]
    return [(line, app) for line, app in found if app in LEVEL]


def upward(app: str, used: str) -> bool:
    """Whether `app` using `used` goes against the layers (sideways included)."""
    return app != used and LEVEL[used] >= LEVEL[app]


def test_python_imports_go_down_the_layers():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {used}"
        for app, folder in FOLDERS.items()
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
        for line, used in imported_apps(path)
        if upward(app, used)
    ]
    assert wrong == []


def test_templates_load_tag_libraries_of_lower_apps_only():
    owners = {
        path.stem: app
        for app, folder in FOLDERS.items()
        for path in (folder / "templatetags").glob("*.py")
        if path.stem != "__init__"
    }
    assert owners, "the project's tag libraries were found"
    wrong = [
        f"{path.relative_to(ROOT)} loads {library} of {owners[library]}"
        for app, folder in FOLDERS.items()
        for path in (folder / "templates").rglob("*.html")
        for load in LOAD.findall(path.read_text(encoding="utf-8"))
        for library in load.split()
        if library in owners and upward(app, owners[library])
    ]
    assert wrong == []


@pytest.mark.parametrize("app", sorted(LEVEL))
def test_each_app_is_found(app):
    assert any(FOLDERS[app].rglob("*.py"))


def test_a_forbidden_import_is_caught(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("def later():\n    from workflows import services\n")
    assert imported_apps(module) == [(2, "workflows")] and upward("forms", "workflows")
    assert upward("pages", "open311") and not upward("open311", "workflows")
