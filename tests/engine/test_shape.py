"""The engine names no provider, and its modules import in one direction with no circles.

`import-linter` (run by `make lint`, contracts in pyproject.toml) holds the layers of ENGINE.md; this
file holds what it cannot: no provider's word (QuickBooks', Xero's) outside its package and the registry, no
import circle inside a layer, and a module size a reader can hold in mind.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "shared" / "fieldbooks"
# Where provider knowledge must not be (ENGINE.md; the registry and providers/<name>/ are where it lives).
GENERIC = [
    *(CORE / room for room in ("sync", "console", "queues", "connections", "store", "domain", "saas", "security")),
    CORE / "services.py",
    CORE / "settings.py",
    ROOT / "functions",
]
QUICKBOOKS_WORDS = re.compile(
    r"quickbooks|\bqbo\b|intuit|realm|synctoken|creditmemo|sub-?customer|qbxml|\bqbd\b|qbwc|listid|editsequence|txnid",
    re.I,
)
XERO_WORDS = re.compile(r"xero|\bxro\b|accrec|summarizeerrors|contactid|invoicenumber|lineamounttypes", re.I)
PROVIDER_WORDS = re.compile(f"{QUICKBOOKS_WORDS.pattern}|{XERO_WORDS.pattern}", re.I)
# Each allowed line says why a QuickBooks word must stand there; the closing note lists them.
ALLOWED = {
    # The enum of providers a URL, a row or a message can name: every provider is one of its values.
    ("domain/models.py", 'QUICKBOOKS_ONLINE = "quickbooks_online"'),
    ("domain/models.py", 'QUICKBOOKS_DESKTOP = "quickbooks_desktop"'),
    ("domain/models.py", '"quickbooks_online": "QuickBooks Online",'),
    ("domain/models.py", '"quickbooks_desktop": "QuickBooks Desktop",'),
    ("domain/models.py", 'XERO = "xero"'),
    ("domain/models.py", '"xero": "Xero",'),
    # Examples in text a person reads (an API field's description, a 400's hint): a provider's name.
    (
        "domain/models.py",
        "summary: str = Field(description='What approving will do, e.g. \"Create customer Jane Doe in Xero\".')",
    ),
    (
        "console/record_access.py",
        'raise ValidationFailed("Say which accounting system with ?provider= (for example ?provider=xero).")',
    ),
    # The SaaS contract's badge codes ("Linked to accounting" on a record), fixed by the SaaS, not by us.
    ("domain/record_fields.py", 'provider: Literal["qbo", "xero", "qbd"]'),
    ("saas/reference_lists.py", 'provider: Literal["qbo", "xero", "qbd"]'),  # whose reference list it is
    # The agent endpoint's route, which the .qwc file names (template.yaml declares it).
    ("functions/qbwc/app.py", '@app.post("/qbwc")'),
    ("console/routes/web_connector.py", 'AGENT_PATH = "/qbwc"  # the agent endpoint\'s route in template.yaml'),
}
MAX_MODULE_LINES = 400


def python_files(place: Path) -> list[Path]:
    return sorted(place.rglob("*.py")) if place.is_dir() else [place]


def test_no_provider_word_outside_its_package_and_the_registry() -> None:
    found = []
    for place in GENERIC:
        for path in python_files(place):
            for line in path.read_text().splitlines():
                if PROVIDER_WORDS.search(line):
                    where = str(path.relative_to(CORE if CORE in path.parents else ROOT))
                    if (where, line.strip()) not in ALLOWED:
                        found.append(f"{where}: {line.strip()}")
    assert found == []


def test_the_allow_list_names_only_lines_that_exist() -> None:
    lines = {
        (str(p.relative_to(CORE)), line.strip()) for p in CORE.rglob("*.py") for line in p.read_text().splitlines()
    }
    lines |= {
        (str(p.relative_to(ROOT)), line.strip())
        for p in (ROOT / "functions").rglob("*.py")
        for line in p.read_text().splitlines()
    }
    assert lines >= ALLOWED


def test_no_import_circles_in_the_core() -> None:
    graph = grimp.build_graph("fieldbooks")
    circles = [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.find_shortest_chain(importer=imported, imported=module)
    ]
    assert circles == []


def test_no_handler_imports_a_provider_package() -> None:
    handlers = sorted((ROOT / "functions").rglob("*.py"))
    assert handlers
    assert [str(p) for p in handlers if "fieldbooks.providers." in p.read_text()] == []


def test_every_core_module_is_under_four_hundred_lines() -> None:
    long = {str(p.relative_to(CORE)): n for p in CORE.rglob("*.py") if (n := len(p.read_text().splitlines())) >= 400}
    assert long == {}
