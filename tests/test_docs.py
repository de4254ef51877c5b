"""The README keeps up with the code: every module of the app and of the browser's scripts is on its map, and
every setting read from the environment is explained (as Datasette's test_docs.py does)."""

from __future__ import annotations

import re

from server.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_module_is_on_the_readmes_map() -> None:
    modules = [p.relative_to(ROOT / "server").as_posix() for p in (ROOT / "server").rglob("*.py")]
    scripts = [f"js/{p.name}" for p in (ROOT / "web" / "static" / "js").glob("*.js")]
    missing = [m for m in modules if m != "__init__.py" and not m.endswith("/__init__.py") and m not in README]
    missing += [s for s in scripts if s not in README]
    assert missing == [], f"add these to the map in README.md: {missing}"


def test_every_setting_is_explained_in_the_readme() -> None:
    source = (ROOT / "server" / "settings.py").read_text()
    names = set(re.findall(r'env\.get\("((?:KRING_)?[A-Z_]+)"', source))
    assert len(names) >= len(Settings.__struct_fields__) - 1  # every field comes from one variable
    missing = sorted(name for name in names if not re.search(rf"`{name}[`=]", README))
    assert missing == [], f"explain these settings in README.md: {missing}"
