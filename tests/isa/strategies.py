"""Hypothesis strategies for ISA objects, shared by the table and round-trip tests."""

from hypothesis import strategies as st

from voxhub.isa import (
    ArcTable,
    CompositeCell,
    CompositeHeader,
    IOType,
    OntologyAnnotation,
)

# Printable text without leading/trailing spaces (spreadsheets keep them, JSON too,
# but header names are stripped by every reader).
words = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N"], include_characters=" -_.%&<>"),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
maybe_words = st.one_of(st.just(""), words)
accessions = st.one_of(
    st.just(""),
    st.builds(
        lambda p, n: f"{p}:{n:07d}", st.sampled_from(["EFO", "UO", "PATO"]), st.integers(0, 99999)
    ),
    st.builds(lambda n: f"http://purl.obolibrary.org/obo/OBI_{n:07d}", st.integers(0, 99999)),
)


@st.composite
def terms(draw, empty_ok=True):
    name = draw(maybe_words if empty_ok else words)
    accession = draw(accessions)
    source = draw(st.sampled_from(["", "EFO", "UO"])) if accession or name else ""
    return OntologyAnnotation(name, source, accession)


@st.composite
def header_terms(draw):
    """Header terms as the ARC layout keeps them: short id, source = its prefix."""
    name = draw(words)
    number = draw(st.one_of(st.none(), st.integers(0, 9999)))
    if number is None:
        return OntologyAnnotation(name)
    return OntologyAnnotation(name, "EFO", f"EFO:{number:07d}")


io_types = st.sampled_from(
    [IOType.source(), IOType.sample(), IOType.data(), IOType.material(), IOType.free("Extract")]
)

headers = st.one_of(
    st.builds(CompositeHeader.input, io_types),
    st.builds(CompositeHeader.output, io_types),
    st.builds(CompositeHeader.characteristic, header_terms(), st.booleans()),
    st.builds(CompositeHeader.parameter, header_terms(), st.booleans()),
    st.builds(CompositeHeader.factor, header_terms(), st.booleans()),
    st.builds(CompositeHeader.component, header_terms()),
    st.sampled_from(
        [
            CompositeHeader.protocol_ref(),
            CompositeHeader.protocol_type(),
            CompositeHeader.protocol_description(),
            CompositeHeader.protocol_uri(),
            CompositeHeader.protocol_version(),
            CompositeHeader.performer(),
            CompositeHeader.date(),
        ]
    ),
    st.builds(CompositeHeader.comment, words.filter(lambda w: "[" not in w)),
    st.builds(
        CompositeHeader.free_text,
        words.filter(lambda w: w[0].isalpha() and w not in ("Unit", "Input", "Output")),
    ),
)


def cells_for(header: CompositeHeader):
    """Cells a column of ``header`` accepts, including empty ones."""
    if header.is_term_column:
        unitized = st.builds(
            CompositeCell.create_unitized,
            st.one_of(st.just(""), st.integers(-50, 500).map(str), words),
            terms(empty_ok=False),
        )
        term = st.builds(CompositeCell.create_term, terms())
        if not header.has_unit:
            return term
        # In a column with a Unit, a cell without a unit is Unitized (as ARCtrl reads it),
        # unless it is a term with an accession.
        accessed = terms().filter(lambda t: bool(t.term_source_ref or t.term_accession))
        bare = st.builds(CompositeCell.create_unitized, maybe_words)
        return st.one_of(st.builds(CompositeCell.create_term, accessed), unitized, bare)
    if header.is_data_column:
        return st.builds(
            CompositeCell.create_data, maybe_words, st.sampled_from(["", "text/csv"]), st.just("")
        )
    return st.builds(CompositeCell.create_free_text, maybe_words)


@st.composite
def tables(draw, name=None, max_rows=4, max_columns=6):
    table = ArcTable(name or draw(words.filter(lambda w: w.isalnum())).strip()[:20])
    rows = draw(st.integers(0, max_rows))
    for header in draw(st.lists(headers, max_size=max_columns)):
        if any(h.clashes_with(header) for h in table.headers):
            continue
        cells = draw(st.lists(cells_for(header), min_size=rows, max_size=rows))
        table.add_column(header, cells)
    return table
