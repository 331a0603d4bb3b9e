"""A course whose assets try to run script on the app's origin (issue 13).

Every script here, if it ever ran, would set the page title and `window.pwned`, request
`/__marker__/<name>`, open a dialog, and use the viewer's session to make the trainer
`victim_id` an administrator: read the admin page's CSRF token, post the role change.
"""

from __future__ import annotations

from pathlib import Path

SLUG = "hostile-assets"
FOLDER = f"05-{SLUG}"
MARKER = "/__marker__/"

# Files that would run script if they were served as a document or a script.
SCRIPT_FILES = (
    "images/evil.svg",
    "files/page.htm",
    "files/page.xhtml",
    "files/data.xml",
    "files/payload.js",
    "files/payload.mjs",
)


def payload(name: str, victim_id: int) -> str:
    """JavaScript that would take over an admin account through the viewer's session."""
    return f"""
document.title = "pwned by {name}";
window.pwned = "{name}";
fetch("{MARKER}{name}");
(async () => {{
  const page = await (await fetch("/admin/learners/{victim_id}")).text();
  const token = page.match(/name="csrf_token"[^>]*value="([^"]+)"/)[1];
  const body = new URLSearchParams(
    {{csrf_token: token, role: "admin", organisation: "none", reason: "{name}"}});
  await fetch("/admin/learners/{victim_id}/account", {{method: "POST", body}});
  fetch("{MARKER}{name}-done");
}})();
alert("{name}");
"""


def _inline(name: str, victim_id: int) -> str:
    # CDATA keeps the script valid in XML documents (SVG, XHTML) as well as in HTML.
    return f"<script>//<![CDATA[\n{payload(name, victim_id)}\n//]]></script>"


def files(victim_id: int) -> dict[str, str]:
    """{relative path: text} of the hostile course."""
    js = payload("payload-js", victim_id)
    return {
        "course.md": "---\ntitle: Hostile Assets\nsummary: Assets that try to run script.\n"
        "status: published\n---\nAssets that must never run.\n",
        "01-gallery.md": "# Gallery\n\n"
        "![A harmless diagram](images/diagram.svg)\n\n"
        "![A hostile drawing](images/evil.svg)\n\n"
        "![A photo](images/dot.png)\n\n"
        + "".join(f"- [{path}]({path})\n" for path in SCRIPT_FILES),
        "02-second.md": "# Second\n\nThe secret of the locked lesson.\n",
        "certificate.html": "<p>Template {{ name }}</p>\n",
        "images/dot.png": "",  # replaced by real PNG bytes in write()
        "images/diagram.svg": DIAGRAM,
        "images/evil.svg": (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            ' width="120" height="60" onload="fetch(\'' + MARKER + "svg-onload')\">\n"
            f"{_inline('svg-inline', victim_id)}\n"
            '<script href="../files/payload.js"></script>\n'
            '<script xlink:href="../files/payload.js"></script>\n'
            "<a href=\"javascript:fetch('" + MARKER + "svg-link')\">"
            '<rect width="120" height="60" fill="#c33"/></a>\n'
            '<foreignObject width="10" height="10"><body xmlns="http://www.w3.org/1999/xhtml">'
            '<iframe src="../files/page.htm"></iframe></body></foreignObject>\n'
            "</svg>\n"
        ),
        "files/page.htm": (
            "<!doctype html><title>page</title>\n"
            f"{_inline('htm-inline', victim_id)}\n"
            '<script src="payload.js"></script>\n'
            '<script type="module" src="payload.mjs"></script>\n'
            "<img src=x onerror=\"fetch('" + MARKER + "htm-onerror')\">\n"
        ),
        "files/page.xhtml": (
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title>\n'
            f"{_inline('xhtml-inline', victim_id)}\n"
            '<script src="payload.js"></script></head><body/></html>\n'
        ),
        "files/data.xml": (
            '<?xml version="1.0"?>\n<data>\n'
            '<script xmlns="http://www.w3.org/1999/xhtml" src="payload.js"></script>\n'
            f'<x:script xmlns:x="http://www.w3.org/1999/xhtml">{payload("xml", victim_id)}'
            "</x:script>\n</data>\n"
        ),
        "files/payload.js": js,
        "files/payload.mjs": payload("payload-mjs", victim_id),
        "files/style.css": f"body {{ background: url({MARKER}css) }}\n",
    }


# Looks like a drawing, and is one: styled with an inline <style>, as drawing tools write it.
DIAGRAM = """<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">
<style>.box { fill: #1f6feb; } .label { fill: #fff; font: bold 20px sans-serif; }</style>
<rect class="box" x="10" y="10" width="220" height="100" rx="12"/>
<text class="label" x="120" y="68" text-anchor="middle">Partners</text>
</svg>
"""

PNG = Path(__file__).parents[1] / "fixtures/site/courses/03-draft-notes/images/dot.png"


def write(courses_dir: Path, victim_id: int = 0) -> Path:
    """Write the hostile course into `courses_dir` and return its folder."""
    folder = courses_dir / FOLDER
    for relative, text in files(victim_id).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.endswith(".png"):
            path.write_bytes(PNG.read_bytes())
        else:
            path.write_text(text, encoding="utf-8")
    return folder
