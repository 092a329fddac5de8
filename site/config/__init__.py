"""Project configuration. `site/` is a plain folder on sys.path (the standard library owns the
name `site`); the apps live at the project root, which importing this package makes importable
whatever directory a server was started in."""

import sys
from pathlib import Path

_project_root = str(Path(__file__).resolve().parent.parent.parent)
if _project_root not in sys.path:
    sys.path.append(_project_root)
