"""Product code cites only what a reader of the repository can open: no "DESIGN.md" (not in the
repository) and no "issue N" (the tracker is not shipped); docs/ and the README are the references."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [
    "booking",
    "dashboards",
    "emissions",
    "fleet",
    "greenslot",
    "pricing",
    "routing",
    "tenants",
    "templates",
    "static",
]
CITATION = re.compile(r"DESIGN(\.md| §)|\bissue \d+", re.IGNORECASE)


def test_product_code_cites_no_document_outside_the_repository():
    found = []
    for app in PRODUCT:
        for path in sorted((ROOT / app).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if (
                path.suffix not in {".py", ".html", ".js", ".css"}
                or "/migrations/" in relative
                or "/vendor/" in relative
            ):
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if CITATION.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], "Cite docs/ or the README instead:\n" + "\n".join(found)


def test_the_pattern_finds_a_citation():
    assert CITATION.search("see DESIGN.md §6") and CITATION.search("(Issue 12)")
    assert not CITATION.search("an issue with 3 stops")
