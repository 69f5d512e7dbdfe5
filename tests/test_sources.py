"""The organization is data: documents, quotes and citations live in the sources file and the scenarios, and every
source a bundled scenario cites resolves inside the repository; no seed text is left in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cstosim
from conftest import base_table, build
from cstosim.model.citations import Catalogue, Document, Reference
from cstosim.scenario_files.loader import (
    SOURCES_FILE,
    ScenarioError,
    bundled_scenarios_dir,
    load_scenario,
    read_sources_file,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
DOMAIN = ROOT / "docs" / "domain.md"
CATALOGUE = read_sources_file(bundled_scenarios_dir() / SOURCES_FILE)
RUN = 8  # consecutive words that count as a quotation


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes unified, punctuation and whitespace dropped."""
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("\u2019", "'").replace("\u2018", "'"))


def runs(text: str, length: int = RUN) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + length]) for i in range(len(found) - length + 1)}


# The sources file -------------------------------------------------------------------------------------------------


def test_every_quote_is_verbatim_in_its_seed_file():
    checked = 0
    for document in CATALOGUE.documents:
        assert document.location is not None and document.location.is_file(), document.file
        text = document.location.read_text(encoding="utf-8")
        for quote in document.quotes:
            assert quote.text in text, f"{quote.topic}: not in {document.file}: {quote.text!r}"
            checked += 1
    assert checked >= 10


def test_the_catalogue_lists_every_seed_and_the_domain_brief():
    """The installed copies (the wheel carries them) are the repository's files, unchanged."""
    repository_files = {path.relative_to(ROOT).as_posix(): path for path in [*SEEDS, DOMAIN]}
    assert sorted(document.file for document in CATALOGUE.documents) == sorted(repository_files)
    for document in CATALOGUE.documents:
        assert document.location is not None
        assert document.location.read_bytes() == repository_files[document.file].read_bytes(), document.file
    for seed in SEEDS:
        document = CATALOGUE.document(f"seed {seed.name[:3]}")
        assert document is not None and document.file == f"seeds/{seed.name}"


@pytest.mark.parametrize(
    ("text", "cited"),
    [
        ("seeds 000 and 003: the heads of state", ["seed 000", "seed 003"]),
        ("seed 003 (consensus); seed 004: no notice", ["seed 003", "seed 004"]),
        ("seeds 000, 001 and 004", ["seed 000", "seed 001", "seed 004"]),
        (
            "seeds 000-004 and docs/domain.md",
            ["seed 000", "seed 001", "seed 002", "seed 003", "seed 004", "docs/domain.md"],
        ),
        ("seed 000 (2020-03-06): every member", ["seed 000"]),
        ("Seed 003, 2018-11-08", ["seed 003"]),
        (
            "docs/domain.md sections 1.2 and 2.5; seed 001",
            ["docs/domain.md section 1.2", "docs/domain.md section 2.5", "seed 001"],
        ),
        ("public record, 2018-11-08; assumption", []),
        ("seedless 003; myseed 004; DOMAIN.md section 2", []),
    ],
)
def test_references_read_the_forms_scenario_files_use(text, cited):
    assert [str(reference) for reference in CATALOGUE.references(text)] == cited


def test_an_uncatalogued_number_is_an_unknown_citation():
    assert CATALOGUE.unknown("seeds 003 and 007") == (Reference("seed 007"),)
    assert [document.id for document in CATALOGUE.cited("seeds 003 and 007")] == ["seed 003"]
    assert Catalogue().references("seed 003") == ()  # a scenario without a sources file cites nothing


def test_catalogues_extend_one_another_by_id():
    mine = Catalogue((Document("seed 003", "my/copy.txt"), Document("note 1", "notes/1.md")))
    merged = CATALOGUE.extended_by(mine)
    assert merged.document("seed 003").file == "my/copy.txt" and merged.document("note 1") is not None
    assert merged.document("seed 000") == CATALOGUE.document("seed 000")


# No seed text in the code -----------------------------------------------------------------------------------------


def test_no_python_file_under_src_holds_a_seed_file_name_or_a_seed_sentence():
    seed_runs = set().union(*(runs(seed.read_text(encoding="utf-8")) for seed in SEEDS))
    sources = sorted((ROOT / "src").rglob("*.py"))
    assert len(sources) > 30
    problems = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        problems += [f"{path.relative_to(ROOT)}: seed file name {seed.name}" for seed in SEEDS if seed.name in text]
        problems += [f"{path.relative_to(ROOT)}: {' '.join(run)!r}" for run in sorted(runs(text) & seed_runs)]
    assert not problems, "seed text in the code:\n" + "\n".join(problems)


def test_the_seed_text_check_would_catch_a_copied_sentence():
    seed_runs = runs(SEEDS[3].read_text(encoding="utf-8"))
    copied = 'TEXT = (\n    "When this is done,   the Decision will enter\\n into force immediately and it will"\n)'
    assert runs(copied) & seed_runs
    assert not runs('"When this is done, the decision enters into force at once"') & seed_runs


# Every citation resolves inside the repository --------------------------------------------------------------------


def domain_sections() -> set[str]:
    return set(re.findall(r"^#{2,4} (\d+(?:\.\d+)*)\.? ", DOMAIN.read_text(encoding="utf-8"), flags=re.MULTILINE))


def cited_files() -> list[Path]:
    folder = bundled_scenarios_dir()
    return sorted(path for path in [*folder.glob("*.toml"), *folder.glob("facts/*.toml")] if path.name != SOURCES_FILE)


@pytest.mark.parametrize("path", cited_files(), ids=lambda path: path.name)
def test_every_seed_and_domain_section_a_bundled_file_cites_exists(path):
    """Comments included: the whole file is read, so a citation in a comment must resolve too."""
    text = path.read_text(encoding="utf-8")
    assert "DOMAIN.md" not in text, "cite docs/domain.md, which is in the repository"
    references = CATALOGUE.references(text)
    sections = domain_sections()
    for reference in references:
        document = CATALOGUE.document(reference.document_id)
        assert document is not None, f"{path.name} cites {reference}, not in {SOURCES_FILE}"
        assert document.location is not None and document.location.is_file(), f"{path.name}: {document.file}"
        if reference.section is not None:
            assert document.file == "docs/domain.md" and reference.section in sections, f"{path.name} cites {reference}"
    # Every "seed NNN" and "docs/domain.md section N" written in the file was read as a citation.
    read = {str(reference) for reference in references}
    assert {f"seed {number}" for number in re.findall(r"\bseeds? (\d{3})", text)} <= read
    assert {f"docs/domain.md section {s}" for s in re.findall(r"docs/domain\.md sections? ([\d.]*\d)", text)} <= read


def test_domain_brief_is_numbered_and_sources_every_fact():
    sections = domain_sections()
    assert {"1", "1.2", "2", "2.3", "2.5", "2.6", "2.7", "3"} <= sections
    text = DOMAIN.read_text(encoding="utf-8")
    facts = text.split("## 1.", 1)[1].split("## 3.", 1)[0]
    for item in re.split(r"\n- ", facts)[1:]:
        item = " ".join(item.split("\n#", 1)[0].split())
        assert re.search(r"seeds? \d{3}|public record|no source recorded|Haftel|sources leave open", item), item


def test_domain_brief_quotes_are_verbatim():
    seeds = "\n".join(seed.read_text(encoding="utf-8") for seed in SEEDS)
    public_record = {
        "If at least one of the countries is against, the status is not granted",
        "frozen",
        "while not objecting to the adoption of this decision in a limited format",
    }
    quotes = re.findall(r'"([^"]+)"', DOMAIN.read_text(encoding="utf-8").replace("\n  ", " "))
    assert len(quotes) >= 6
    for quote in quotes:
        assert quote in seeds or quote in public_record, quote


# Loading ----------------------------------------------------------------------------------------------------------


def test_bundled_scenarios_carry_the_catalogue_and_the_sources_file_is_not_a_scenario():
    assert "sources" not in cstosim.bundled_scenarios()
    for name in cstosim.bundled_scenarios():
        assert load_scenario(name).documents == CATALOGUE


def test_citing_an_uncatalogued_seed_is_one_line_naming_the_path(tmp_path):
    (tmp_path / SOURCES_FILE).write_text('[[documents]]\nid = "seed 003"\nfile = "003.txt"\n', encoding="utf-8")
    path = tmp_path / "mine.toml"
    text = (bundled_scenarios_dir() / "csto-2018-tajikistan-one-year.toml").read_text(encoding="utf-8")
    path.write_text(text.replace("(seed 003)", "(seed 009)"), encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert raised.value.problems == [
        f"{path}: members[Tajikistan].ratification.source: must cite documents listed in a sources.toml beside the "
        'scenario (got "seed 009")'
    ]


def test_a_scenario_elsewhere_extends_the_bundled_catalogue_with_its_own(tmp_path):
    (tmp_path / SOURCES_FILE).write_text(
        '[[documents]]\nid = "memo 1"\nfile = "memo-1.txt"\n\n'
        '[[documents.quotes]]\ntopic = "consensus"\ntext = "nobody objected"\n',
        encoding="utf-8",
    )
    path = tmp_path / "mine.toml"
    path.write_text(
        'extends = "csto-2018"\nname = "mine"\n\n[organization.consensus]\nsource = "memo 1; seed 003"\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.documents.document("memo 1").location == (tmp_path / "memo-1.txt").resolve()
    assert scenario.documents.document("seed 000") == CATALOGUE.document("seed 000")
    story = cstosim.trace(scenario, cstosim.run_replication(scenario, 1))
    quotes = story.rule("consensus").citation.quotes
    assert [quote.document for quote in quotes] == ["memo 1", "seed 003"] and quotes[0].text == "nobody objected"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("documents = []", ["documents: must have at least 1 item (got [])"]),
        (
            '[[documents]]\nid = "seed 1"\nfile = "a"\nauthor = "x"\n'
            '[[documents.quotes]]\ntopic = "voting"\ntext = "t"\n',
            [
                'documents[seed 1].author: unknown key (got "x")',
                'documents[seed 1].quotes[0].topic: must be "adoption", "ratification", "entry_into_force", '
                '"review", "statuses", "criteria", "consensus", "participation", "stances", "membership" or "drivers" '
                '(got "voting")',
            ],
        ),
        (
            '[[documents]]\nid = "seed 1"\nfile = "a"\n[[documents]]\nid = "seed 1"\nfile = "b"\n',
            ['documents[1]: duplicate id (got "seed 1")'],
        ),
        ('[[documents]]\nid = "seed 1"\nfile = ""\n', ['documents[seed 1].file: must not be empty (got "")']),
        ("[[documents]]\nid = [", ["not valid TOML"]),
    ],
    ids=["no documents", "unknown key and topic at once", "duplicate id", "empty file", "not TOML"],
)
def test_a_bad_sources_file_gets_one_line_per_problem(tmp_path, content, expected):
    path = tmp_path / SOURCES_FILE
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        read_sources_file(path)
    problems = raised.value.problems
    assert len(problems) == len(expected), problems
    assert all(problem.startswith(f"{path}: ") and "\n" not in problem for problem in problems), problems
    for wanted in expected:
        assert any(wanted in problem for problem in problems), (wanted, problems)


def test_a_bad_sources_file_beside_a_scenario_stops_the_cli_with_one_line(tmp_path):
    from click.testing import CliRunner

    from cstosim.cli import main

    (tmp_path / SOURCES_FILE).write_text('[[documents]]\nid = "seed 1"\n', encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text('extends = "csto-2018"\nname = "mine"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"{tmp_path / SOURCES_FILE}: documents[seed 1].file: required key is missing" in result.output


# The scenario format ----------------------------------------------------------------------------------------------


def test_statuses_merge_by_name_under_extends(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'extends = "csto-2018"\nname = "mine"\n\n[organization.statuses.observer]\n'
        'description = "An observer only listens"\nsource = "assumption: what-if"\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    base = load_scenario("csto-2018").organization
    (partner, observer, member) = scenario.organization.statuses
    assert partner == base.statuses[0] and member == base.statuses[2]
    assert observer.description == "An observer only listens" and observer.criteria == base.statuses[1].criteria
    assert scenario.organization.criteria_description == base.criteria_description
    assert scenario.sources["organization.statuses[1]"] == "assumption: what-if"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda o: o.update(statuses=[{"name": "member", "description": "x"}]),
            'candidates[C0].status: must name a declared status: "member" (got "observer")',
        ),
        (
            lambda o: o.update(statuses=[{"name": "observer", "description": "x", "rank": 2}]),
            "organization.statuses[observer].rank: unknown key (got 2)",
        ),
        (
            lambda o: o.update(statuses=[{"name": "observer", "description": "x"}] * 2),
            'organization.statuses[1]: duplicate name (got "observer")',
        ),
        (
            lambda o: o.update(criteria={"description": ""}),
            'organization.criteria.description: must not be empty (got "")',
        ),
        (lambda o: o.update(criteria={"source": "x"}), "organization.criteria.description: required key is missing"),
    ],
    ids=["unknown status", "unknown key", "duplicate status", "empty criteria", "criteria without description"],
)
def test_bad_status_or_criteria_tables_get_one_line(change, expected):
    table = base_table()
    change(table["organization"])
    with pytest.raises(ScenarioError) as raised:
        build(table)
    assert [problem for problem in raised.value.problems if problem.startswith(f"test.toml: {expected}")], (
        raised.value.problems
    )
