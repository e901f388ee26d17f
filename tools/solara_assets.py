"""Put the browser files solara's page loads from a CDN into solara's own cache, from the
npm registry (``npm pack``), so ``govsim app`` and its browser test work without the CDN.

Solara serves ``/_solara/cdn/<package>@<version>/<file>`` from its cache folder
(``<venv>/share/solara/cdn``) and fetches a missing file from the CDN; a machine that reaches
the npm registry but not the CDN gets a blank page.  The packages and versions are read from
solara's page template, so a solara upgrade asks for its own.  Run with the venv's Python:
``.venv/bin/python tools/solara_assets.py`` (``make test`` does).  Exit status 0 also when npm is
missing or the registry cannot be reached (a note is printed; the browser test then says why it
cannot run), except on CI (``CI`` set), where a failed fetch fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import solara.server.settings as settings

TEMPLATE = Path(settings.__file__).parent / "templates" / "solara.html.j2"
PACKAGE = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+)/")


def wanted() -> list[str]:
    """``name@version`` of every package the page template loads from the CDN."""
    text = TEMPLATE.read_text(encoding="utf-8")
    found = set(PACKAGE.findall(text))
    found.add(settings.assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(found)


def main() -> int:
    cache = Path(settings.assets.proxy_cache_dir)
    missing = [p for p in wanted() if not (cache / p / "package.json").exists()]
    if not missing:
        return 0
    if shutil.which("npm") is None:
        print(f"solara_assets: npm not found; not fetched: {', '.join(missing)}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for spec in missing:
            got = subprocess.run(
                ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                capture_output=True,
                text=True,
            )
            if got.returncode != 0:  # CI must have them; elsewhere the browser test skips
                print(f"solara_assets: npm pack {spec} failed:\n{got.stderr}", file=sys.stderr)
                return 1 if os.environ.get("CI") else 0
            out = got.stdout.split()[-1]
            target = cache / spec
            with tarfile.open(Path(tmp) / out) as tar:
                for member in tar.getmembers():
                    # npm tarballs hold one folder (``package/``): strip it
                    member.name = member.name.split("/", 1)[-1]
                tar.extractall(target, filter="data")
            print(f"solara_assets: {spec} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
