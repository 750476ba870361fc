"""Look at the built manual as a reader does: screenshots of the home page, a store page, the API reference and a
search result, taken by headless Chromium.

    NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict
    .venv/bin/pip install playwright        # drives the system Chromium: no browser download
    .venv/bin/python scripts/docs_screenshots.py --out /tmp/docs-shots

It serves ``site/`` on 127.0.0.1 (search runs in a web worker, which ``file://`` does not allow), opens each page in
Debian's ``chromium`` (``--chromium`` to name another), waits for the search results of ``?q=`` (what Material's
``search.share`` links open), prints what it found, and exits 1 if a page is missing a part it should show.
"""

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (path under the site, a CSS selector the page must show)
PAGES = {
    "home": ("", ".md-tabs"),
    "store": ("stores/azure-key-vault/", ".highlight"),
    "api": ("reference/runtime/", ".doc-heading"),
    "search": ("?q=rotation", ".md-search-result__item"),
}


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default: site/)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/docs-shots"), help="where the PNGs go")  # noqa: S108 - not in the repo
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium to drive")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright  # an optional tool: pip install playwright

    if not (args.site / "index.html").is_file():
        print(f"{args.site} has no index.html: run `mkdocs build --strict` first", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(QuietHandler, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    missing = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            for name, (path, selector) in PAGES.items():
                page.goto(base + path)
                try:
                    page.wait_for_selector(selector, timeout=15_000)
                except Exception:  # reported below; the screenshot is still taken
                    missing.append(f"{name}: no {selector}")
                page.wait_for_timeout(500)  # after Material's fade-in
                shot = args.out / f"{name}.png"
                page.screenshot(path=str(shot))
                detail = page.inner_text(".md-search-result__meta") if name == "search" else page.title()
                print(f"{shot}: {base + path} ({detail.strip()})")
            browser.close()
    finally:
        server.shutdown()
    for problem in missing:
        print(f"missing: {problem}", file=sys.stderr)
    return 1 if missing else 0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
