import pytest

from voxhub.isa import OntologyAnnotation
from voxhub.isa.ontology import parse_accession

FORMS = [
    "EFO:0000721",
    "EFO_0000721",
    "http://purl.obolibrary.org/obo/EFO_0000721",
    "http://www.ebi.ac.uk/efo/EFO_0000721",
    "https://bioregistry.io/EFO:0000721",
    "https://www.ebi.ac.uk/ols4/ontologies/efo/classes/"
    "http%253A%252F%252Fpurl.obolibrary.org%252Fobo%252FEFO_0000721",
]


@pytest.mark.parametrize("accession", FORMS)
def test_every_form_gives_the_same_short_form(accession):
    term = OntologyAnnotation("time", "EFO", accession)
    assert term.short == "EFO:0000721"
    assert term.purl is None  # EFO is not an OBO ontology: no PURL is made up for it
    assert term.prefix == "EFO"
    assert term.original == accession
    assert term.term_accession == accession  # kept exactly as given


@pytest.mark.parametrize(
    "accession",
    [
        "UO:0000027",
        "UO_0000027",
        "http://purl.obolibrary.org/obo/UO_0000027",
        "https://bioregistry.io/UO:0000027",
    ],
)
def test_obo_terms_have_their_purl(accession):
    assert OntologyAnnotation("degree Celsius", "UO", accession).purl == (
        "http://purl.obolibrary.org/obo/UO_0000027"
    )


def test_non_obo_prefixes_get_no_purl():
    for accession in ("SNOMED:12345", "EFO:0000721", "MADEUP_1"):
        assert OntologyAnnotation("x", "", accession).purl is None


def test_unparseable_accession_has_no_short_form():
    term = OntologyAnnotation("x", "", "not an id")
    assert term.short is None and term.purl is None
    assert term.original == "not an id"
    assert OntologyAnnotation("x").short is None


def test_same_term_ignores_the_accession_form():
    a = OntologyAnnotation("time", "EFO", FORMS[0])
    b = OntologyAnnotation("time", "EFO", FORMS[2])
    assert a != b
    assert a.same_term(b)
    assert not a.same_term(OntologyAnnotation("time", "EFO", "EFO:0000722"))


def test_parse_accession_rejects_plain_words():
    assert parse_accession("degree") is None
    assert parse_accession("NCBITaxon_9606") == ("NCBITaxon", "9606")


def test_empty_annotation():
    assert OntologyAnnotation().is_empty
    assert not OntologyAnnotation("a").is_empty
