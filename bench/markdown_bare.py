"""Yardstick for `learnapp courses check`: bare Python-Markdown + nh3 over a course folder.

    python bench/markdown_bare.py COURSES_DIR            one process: import, render, exit
    python bench/markdown_bare.py COURSES_DIR --inproc   also time the app's loader in-process

Renders every `.md` file under COURSES_DIR with a fresh `Markdown` per document, the app's
extension list and `nh3.clean()` with its defaults; nothing else (no front matter, links,
checks). Imports only Markdown and nh3, so its start-up is the bare minimum. Prints JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

# The app's list (learnapp/content/markdown.py); bench/run.py checks that they agree.
EXTENSIONS = [
    "tables",
    "footnotes",
    "admonition",
    "def_list",
    "toc",
    "sane_lists",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.tilde",
    "pymdownx.details",
]
EXTENSION_CONFIGS = {
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": False, "slugify": slugify_unicode},
    "pymdownx.highlight": {"use_pygments": False},
    "pymdownx.tilde": {"subscript": False},
}


def render_all(folder: Path) -> int:
    count = 0
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        html = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
        ).convert(text)
        nh3.clean(html)
        count += 1
    return count


def main() -> None:
    folder = Path(sys.argv[1])
    start = time.perf_counter()
    files = render_all(folder)
    result = {"files": files, "bare_render_s": round(time.perf_counter() - start, 3)}
    if "--inproc" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from learnapp.content.loader import load_catalogue

        load_catalogue(folder, folder.parent / "quizzes")  # warm the imports
        start = time.perf_counter()
        render_all(folder)
        result["bare_render_warm_s"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        load_catalogue(folder, folder.parent / "quizzes")
        result["load_catalogue_warm_s"] = round(time.perf_counter() - start, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
