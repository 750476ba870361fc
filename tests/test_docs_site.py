"""The manual (docs/, mkdocs.yml) covers what the code has, and README is its landing page.

``mkdocs build --strict`` (run by .ci/run) already fails on a broken link, anchor or cross-reference, a page left out
of the nav and a missing snippet. These checks need no build: every store and issuer the code registers has its
page in the nav, the API reference renders every public name, the README stays a landing page whose marked text the
home page includes, and the links into the repository name files that exist.
"""

import importlib
import re
from pathlib import Path
from typing import Any

import yaml

from ai_keys.issuers import ISSUERS
from ai_keys.rules.common import StoreName

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
GITHUB = "https://github.com/ai-keys/ai-keys"
SITE = "https://ai-keys.github.io/ai-keys/"

# Each store's page (the API Gateway store's, behind issuer.aws_api_gateway, too): a new store fails here until it
# has one.
STORE_PAGES = {
    StoreName.AWS_SECRETS_MANAGER: "stores/aws-secrets-manager.md",
    StoreName.AWS_API_GATEWAY: "stores/aws-api-gateway.md",
    StoreName.AZURE_KEY_VAULT: "stores/azure-key-vault.md",
    StoreName.GCP_SECRET_MANAGER: "stores/google-secret-manager.md",
}


def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return loaded


def nav_pages(node: Any = None) -> list[str]:
    """Every page of mkdocs.yml's nav, in order."""
    node = config()["nav"] if node is None else node
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in nav_pages(item)]
    return [page for value in node.values() for page in nav_pages(value)]


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_ext" not in p.parts)


def test_every_page_is_in_the_nav_once_and_every_nav_entry_exists() -> None:
    nav = nav_pages()
    assert len(nav) == len(set(nav))
    assert sorted(nav) == sorted(p.relative_to(DOCS).as_posix() for p in pages())


def test_every_store_has_its_page() -> None:
    assert set(STORE_PAGES) == set(StoreName), "a backend without a page in docs/stores/ (add it to STORE_PAGES and the nav)"
    for backend, page in STORE_PAGES.items():
        assert page in nav_pages(), page
        assert f"`backend: {backend.value}`" in (DOCS / page).read_text(encoding="utf-8"), page


def test_every_issuer_has_its_page() -> None:
    shared = {"apigee": "issuers/google-client-keys.md", "gcp_api_key": "issuers/google-client-keys.md"}
    for issuer in ISSUERS:
        page = shared.get(issuer, f"issuers/{issuer.replace('_', '-')}.md")
        assert page in nav_pages(), f"the issuer {issuer} has no page {page} in the nav"
        assert f"`{issuer}`" in (DOCS / page).read_text(encoding="utf-8"), page
    assert "issuers/value.md" in nav_pages()  # the key you give: no issuer, a page all the same


def _rendered() -> set[str]:
    """The objects the reference pages render with ``::: name``."""
    return {m for page in (DOCS / "reference").glob("*.md") for m in re.findall(r"^::: ([\w.]+)$", page.read_text(), re.M)}


def test_the_reference_renders_every_public_name() -> None:
    rendered = _rendered()
    for module in ("ai_keys.runtime", "ai_keys.testing", "ai_keys.preview", "ai_keys.args"):
        assert module in rendered, module  # a module renders its public members
    args = importlib.import_module("ai_keys.args")
    root = importlib.import_module("ai_keys")
    for name in root.__all__:
        if name == "__version__":
            continue
        assert f"ai_keys.{name}" in rendered or name in args.__all__, f"ai_keys.{name} is on no reference page"


def test_the_reference_renders_only_public_stable_modules() -> None:
    # Stores, issuers and rules are internal and being reshaped; the reference never points into them.
    for name in _rendered():
        assert not re.search(r"\.(stores|issuers|rules|mock_clouds)\b|\._", name), name


def test_readme_is_a_landing_page_the_home_page_includes() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 15_000
    for section in ("index", "install", "quick-start", "setup"):
        assert text.count(f"<!-- --8<-- [start:{section}] -->") == 1, section
        assert text.count(f"<!-- --8<-- [end:{section}] -->") == 1, section
    assert '--8<-- "README.md:index"' in (DOCS / "index.md").read_text(encoding="utf-8")
    assert '--8<-- "README.md:install"' in (DOCS / "getting-started" / "index.md").read_text(encoding="utf-8")
    # The links into the site name pages that exist.
    for target in re.findall(rf"\]\({re.escape(SITE)}([^)#]*)", text):
        page = target.rstrip("/")
        assert not page or (DOCS / f"{page}.md").is_file() or (DOCS / page / "index.md").is_file(), target


def _links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_links_into_the_repository_name_files_that_exist_and_none_points_at_readme_anchors() -> None:
    for page in pages():
        for target in _links(page.read_text(encoding="utf-8")):
            assert not target.startswith(f"{GITHUB}#"), f"{page}: {target} points at a README section that moved here"
            for prefix in (f"{GITHUB}/blob/main/", f"{GITHUB}/tree/main/"):
                if target.startswith(prefix):
                    assert (ROOT / target.removeprefix(prefix)).exists(), f"{page}: {target}"


def test_the_docs_build_is_strict_and_the_ci_runs_it() -> None:
    loaded = config()
    assert loaded["strict"] is True
    assert set(loaded["validation"].values()) == {"warn"}  # warnings, which strict makes failures
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "mkdocs build --strict" in ci
    assert "'.[test,docs]'" in ci
    assert "site/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
