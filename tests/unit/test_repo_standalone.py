"""A clone of the repository stands alone: what it documents and links is inside it.

A user's clone has no folder beside it: README, docs, the package (its comments and
docstrings) and the suites must not point at one (``../shared/DESIGN.md``,
``shared/data/MANIFEST.md``), and every relative Markdown link must reach a file of the
repository. Tests and CI reach the data through ``BENCHSUITE_DATA_DIR``, which is not a link.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# what a user reads: the README, the docs, the package and the suites it ships
SCANNED = ("README.md", "docs", "benchsuite", "suites")
TEXT_SUFFIXES = {".md", ".py", ".yaml", ".yml", ".toml", ".txt", ".html", ".css"}
# a folder outside the repository, or a file that only exists in one
OUTSIDE = re.compile(r"\.\./shared|shared/data|shared/DESIGN|MANIFEST\.md")
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _files() -> list[Path]:
    out = []
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
            )
    return out


def outside_references(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of every line that points outside the repository."""
    return [
        (i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)
    ]


def broken_links(text: str, folder: Path, root: Path = ROOT) -> list[str]:
    """Relative link targets in the Markdown ``text`` of a page in ``folder`` that are not
    files or folders inside ``root``."""
    bad = []
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (https:, mailto:) or an anchor in the same page
        path = (folder / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(root) or not path.exists():
            bad.append(target)
    return bad


def test_the_checks_catch_what_they_are_for(tmp_path):
    # the checks below would pass on anything if their patterns were wrong
    assert outside_references("- Layout follows [`DESIGN.md`](../shared/DESIGN.md)")
    assert outside_references("# sha256 of the decompressed IDX (shared/data/MANIFEST.md)")
    assert not outside_references("BENCHSUITE_DATA_DIR (default ~/.cache/benchsuite/data)")
    repo, docs = tmp_path / "repo", tmp_path / "repo" / "docs"
    docs.mkdir(parents=True)
    (docs / "ci.md").write_text("")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "DESIGN.md").write_text("")  # exists, but outside the clone
    text = "[a](../../shared/DESIGN.md) [b](ci.md) [c](https://x.org) [d](#e) [f](gone.md#x)"
    assert broken_links(text, docs, repo) == ["../../shared/DESIGN.md", "gone.md#x"]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_points_outside_the_repository(path):
    found = outside_references(path.read_text(encoding="utf-8", errors="replace"))
    assert not found, f"{path.relative_to(ROOT)} points outside the repository: {found}"


@pytest.mark.parametrize(
    "path",
    [p for p in _files() if p.suffix == ".md"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_markdown_links_reach_files_of_the_repository(path):
    bad = broken_links(path.read_text(encoding="utf-8"), path.parent)
    assert bad == [], f"{path.relative_to(ROOT)}: links outside the repository or to nothing"


def test_architecture_doc_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/architecture.md)" in readme
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    # the modules it sends a reader to exist
    for module in re.findall(r"`(benchsuite/[\w/]+\.py)`", doc):
        assert (ROOT / module).is_file(), module
