"""A small but complete investigation used by the format and folder tests."""

from voxhub.isa import (
    ArcAssay,
    ArcInvestigation,
    ArcStudy,
    ArcTable,
    Comment,
    CompositeCell,
    CompositeHeader,
    DataContext,
    Datamap,
    IOType,
    OntologyAnnotation,
    OntologySourceReference,
    Person,
    Publication,
)

TEMP = OntologyAnnotation("temperature", "PATO", "PATO:0000146")
CELSIUS = OntologyAnnotation("degree Celsius", "UO", "http://purl.obolibrary.org/obo/UO_0000027")
ORGANISM = OntologyAnnotation("organism", "OBI", "OBI:0100026")
TIME = OntologyAnnotation("time", "EFO", "EFO:0000721")
HOUR = OntologyAnnotation("hour", "UO", "UO:0000032")


def ft(value=""):
    return CompositeCell.create_free_text(value)


def term(name="", source="", accession=""):
    return CompositeCell.create_term(OntologyAnnotation(name, source, accession))


def growth_table() -> ArcTable:
    table = ArcTable("Growth")
    table.add_column(CompositeHeader.input(IOType.source()), [ft("plant 1"), ft("plant 2"), ft("")])
    table.add_column(CompositeHeader.protocol_ref(), [ft("growth")] * 3)
    table.add_column(
        CompositeHeader.protocol_type(), [term("growth protocol", "EFO", "EFO:0003789")] * 3
    )
    table.add_column(
        CompositeHeader.characteristic(ORGANISM),
        [term("Arabidopsis thaliana", "NCBITaxon", "NCBITaxon:3702"), term(), term("unknown")],
    )
    table.add_column(
        CompositeHeader.parameter(TEMP),
        [
            CompositeCell.create_unitized("22", CELSIUS),
            CompositeCell.create_unitized("", CELSIUS),  # unit without value
            CompositeCell.create_unitized("room temperature"),  # value without unit
        ],
    )
    # a unit column whose cells are all empty still keeps its Unit column
    table.add_column(
        CompositeHeader.parameter(TIME, has_unit=True), [CompositeCell.create_unitized()] * 3
    )
    table.add_column(CompositeHeader.comment("note"), [ft("first"), ft(""), ft("x & <y>")])
    table.add_column(CompositeHeader.free_text("Lab book"), [ft("p. 12"), ft(""), ft("")])
    table.add_column(CompositeHeader.performer(), [ft("Ann")] * 3)
    table.add_column(CompositeHeader.date(), [ft("2024-05-01")] * 3)
    table.add_column(CompositeHeader.output(IOType.sample()), [ft("leaf 1"), ft("leaf 2"), ft("")])
    return table


def measure_table() -> ArcTable:
    table = ArcTable("Measurement")
    table.add_column(CompositeHeader.input(IOType.sample()), [ft("leaf 1"), ft("leaf 2")])
    table.add_column(CompositeHeader.protocol_ref(), [ft("imaging"), ft("imaging")])
    table.add_column(CompositeHeader.protocol_description(), [ft("light sheet"), ft("")])
    table.add_column(CompositeHeader.protocol_uri(), [ft("protocols/imaging.md")] * 2)
    table.add_column(CompositeHeader.protocol_version(), [ft("1.2")] * 2)
    table.add_column(
        CompositeHeader.component(OntologyAnnotation("microscope", "OBI", "OBI:0000001")),
        [term("Zeiss Z1"), term("Zeiss Z1")],
    )
    table.add_column(
        CompositeHeader.parameter(OntologyAnnotation("exposure")),
        [CompositeCell.create_unitized("0.5", HOUR), CompositeCell.create_unitized("1e3", HOUR)],
    )
    table.add_column(CompositeHeader.factor(TIME), [CompositeCell.create_unitized("3", HOUR)] * 2)
    table.add_column(
        CompositeHeader.output(IOType.data()),
        [
            CompositeCell.create_data("images/leaf1.zarr", "application/zarr", ""),
            CompositeCell.create_data("images/leaf2.zarr#level=0", "", "fragment"),
        ],
    )
    return table


def sample_investigation() -> ArcInvestigation:
    inv = ArcInvestigation(
        "plant-imaging",
        title="Plant imaging",
        description="Leaves under the light sheet",
        submission_date="2024-06-01",
        public_release_date="2025-01-01",
        ontology_source_references=[
            OntologySourceReference("EFO", "http://www.ebi.ac.uk/efo/efo.owl", "3.60", "EFO")
        ],
        publications=[
            Publication(
                "12345",
                "10.1000/xyz",
                "Lee A, Kim B",
                "Leaves",
                OntologyAnnotation("published", "EFO", "EFO:0001796"),
                [Comment("journal", "Plants")],
            )
        ],
        contacts=[
            Person(
                last_name="Lee",
                first_name="Ann",
                mid_initials="B",
                email="ann@example.org",
                affiliation="Uni",
                orcid="0000-0001-2345-6789",
                roles=[OntologyAnnotation("principal investigator", "MS", "MS:1002332")],
                comments=[Comment("room", "12")],
            ),
            Person(last_name="Kim", first_name="Bo"),
        ],
        comments=[Comment("Funding", "ERC 42")],
    )
    study = ArcStudy(
        "growth",
        title="Growth",
        description="Plants grown at two temperatures",
        contacts=[Person(last_name="Lee", first_name="Ann")],
        design_descriptors=[OntologyAnnotation("time series design", "EFO", "EFO:0001779")],
        tables=[growth_table()],
        comments=[Comment("greenhouse", "B")],
    )
    inv.add_study(study)
    inv.add_study(ArcStudy("empty-study"))
    assay = ArcAssay(
        "imaging",
        title="Imaging",
        measurement_type=OntologyAnnotation("imaging assay", "OBI", "OBI:0000185"),
        technology_type=OntologyAnnotation("light sheet microscopy", "FBbi", "FBbi:00000369"),
        technology_platform=OntologyAnnotation("Zeiss Z1", "OBI", "OBI:0000001"),
        tables=[measure_table()],
        performers=[Person(last_name="Kim", first_name="Bo")],
        comments=[Comment("instrument room", "L2")],
        datamap=Datamap(
            [
                DataContext(
                    "images/leaf1.zarr",
                    "application/zarr",
                    "",
                    explication=OntologyAnnotation("fluorescence", "FBbi", "FBbi:00000246"),
                    unit=OntologyAnnotation("micrometer", "UO", "UO:0000017"),
                    object_type=OntologyAnnotation("float", "NCIT", "NCIT:C48150"),
                    label="GFP",
                    description="green channel",
                    generated_by="ZEN",
                    comments=[Comment("channel", "1")],
                ),
                DataContext("tables/areas.csv#col=2", "text/csv", "rfc7111", label="area"),
            ]
        ),
    )
    inv.add_assay(assay, register_in=["growth", "empty-study"])
    inv.add_assay(ArcAssay("unregistered"))
    return inv
