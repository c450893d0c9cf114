"""/api/v1/investigations: CRUD, ISA-JSON and ARC zip in and out, dataset links, access."""

import io
import json
import zipfile

import pytest
from tests.helpers import add_dataset

from voxhub.access.accounts import create_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.isa import (
    ArcInvestigation,
    CompositeCell,
    CompositeHeader,
    IOType,
    OntologyAnnotation,
    isajson,
)

BASE = "/api/v1/investigations"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def member_token(hub, organization="lab", email="member@lab.org"):
    with hub.transaction() as session:
        org = ensure_organization(session, organization)
        user = create_user(session, email=email, organization=org)
        return issue_token(session, user, "tests").token


def sample_model() -> ArcInvestigation:
    """An investigation with a study, a registered assay and a table with a unitized cell."""
    inv = ArcInvestigation("EM1", title="Mouse cortex EM", description="serial sections")
    inv.init_study("S1")
    assay = inv.init_assay("A1", register_in=["S1"])
    table = assay.tables.init("imaging")
    table.add_column(CompositeHeader.input(IOType.source()), [CompositeCell.create_free_text("m1")])
    temperature = OntologyAnnotation("temperature", "PATO", "PATO:0000146")
    celsius = OntologyAnnotation("degree Celsius", "UO", "UO:0000027")
    table.add_column(
        CompositeHeader.parameter(temperature, has_unit=True),
        [CompositeCell.create_unitized("4", celsius)],
    )
    table.add_column(CompositeHeader.output(IOType.data()), [CompositeCell.create_data("vol")])
    return inv


@pytest.fixture
def created(client, admin_token):
    body = {"identifier": "EM1", "title": "Mouse cortex EM", "organization": "lab"}
    response = client.post(BASE, json=body, headers=auth(admin_token))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_get_list_patch_delete(client, admin_token, created, hub):
    assert created["identifier"] == "EM1" and created["studies"] == []
    got = client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).json()
    assert got["title"] == "Mouse cortex EM"
    assert [i["identifier"] for i in client.get(BASE, headers=auth(admin_token)).json()] == ["EM1"]
    patched = client.patch(f"{BASE}/lab/EM1", json={"title": "New"}, headers=auth(admin_token))
    assert patched.json()["title"] == "New"
    assert client.delete(f"{BASE}/lab/EM1", headers=auth(admin_token)).status_code == 204
    assert client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).status_code == 404


def test_import_isa_json_round_trips_the_model(client, admin_token):
    model = sample_model()
    response = client.post(
        f"{BASE}/import?organization=lab&format=isa-json",
        content=isajson.dumps(model),
        headers=auth(admin_token),
    )
    assert response.status_code == 201, response.text
    assert response.json()["assays"] == {"A1": ["S1"]}
    exported = client.get(f"{BASE}/lab/EM1/export?format=isa-json", headers=auth(admin_token))
    assert isajson.loads(exported.content) == model


def test_arc_zip_export_and_reimport(client, admin_token):
    client.post(
        f"{BASE}/import?organization=lab",
        content=isajson.dumps(sample_model()),
        headers=auth(admin_token),
    )
    archive = client.get(f"{BASE}/lab/EM1/export?format=arc-zip", headers=auth(admin_token))
    assert archive.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "isa.investigation.xlsx" in names and "assays/A1/isa.assay.xlsx" in names
    client.delete(f"{BASE}/lab/EM1", headers=auth(admin_token))
    again = client.post(
        f"{BASE}/import?organization=lab&format=arc-zip",
        content=archive.content,
        headers=auth(admin_token),
    )
    assert again.status_code == 201 and again.json()["assays"] == {"A1": ["S1"]}


@pytest.mark.parametrize(
    ("content", "fmt", "code"),
    [
        (b"{not json", "isa-json", "unreadable_isa"),
        (json.dumps({"title": "no identifier"}).encode(), "isa-json", "unreadable_isa"),
        (b"PK\x03\x04 truncated", "arc-zip", "unreadable_isa"),
    ],
)
def test_broken_uploads_are_400_and_store_nothing(client, admin_token, content, fmt, code):
    response = client.post(
        f"{BASE}/import?organization=lab&format={fmt}", content=content, headers=auth(admin_token)
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == code
    assert client.get(BASE, headers=auth(admin_token)).json() == []


def test_duplicate_identifier_is_409(client, admin_token, created):
    again = client.post(
        BASE, json={"identifier": "EM1", "organization": "lab"}, headers=auth(admin_token)
    )
    assert again.status_code == 409


def test_members_read_but_do_not_edit_outsiders_see_nothing(client, hub, created, outsider_token):
    member = member_token(hub)
    assert client.get(f"{BASE}/lab/EM1", headers=auth(member)).status_code == 200
    assert (
        client.patch(f"{BASE}/lab/EM1", json={"title": "x"}, headers=auth(member)).status_code
        == 403
    )
    assert client.get(f"{BASE}/lab/EM1", headers=auth(outsider_token)).status_code == 404
    assert client.get(f"{BASE}/lab/EM1").status_code == 404
    assert client.get(BASE, headers=auth(outsider_token)).json() == []


def test_public_investigation_is_readable_by_anyone(client, admin_token, created):
    client.patch(f"{BASE}/lab/EM1", json={"isPublic": True}, headers=auth(admin_token))
    assert client.get(f"{BASE}/lab/EM1").status_code == 200


def test_link_an_assay_to_a_dataset_layer(client, hub, admin_token):
    add_dataset(hub, "lab", "cortex")
    client.post(
        f"{BASE}/import?organization=lab",
        content=isajson.dumps(sample_model()),
        headers=auth(admin_token),
    )
    url = f"{BASE}/lab/EM1/assays/A1/links"
    linked = client.post(
        url, json={"dataset": "lab/cortex", "layer": "color"}, headers=auth(admin_token)
    )
    assert linked.status_code == 201, linked.text
    links = client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).json()["links"]
    assert links == [
        {"id": linked.json()["id"], "assay": "A1", "dataset": "lab/cortex", "layer": "color"}
    ]
    bad_layer = client.post(
        url, json={"dataset": "lab/cortex", "layer": "nope"}, headers=auth(admin_token)
    )
    assert bad_layer.status_code == 404
    bad_assay = client.post(
        f"{BASE}/lab/EM1/assays/A9/links", json={"dataset": "lab/cortex"}, headers=auth(admin_token)
    )
    assert bad_assay.status_code == 404
    hidden = client.post(url, json={"dataset": "elsewhere/none"}, headers=auth(admin_token))
    assert hidden.status_code == 404
    removed = client.delete(
        f"{BASE}/lab/EM1/links/{linked.json()['id']}", headers=auth(admin_token)
    )
    assert removed.status_code == 204


def _linked_investigation(client, hub, admin_token, *datasets):
    """EM1 (public) with assay A1 linked to each of ``datasets`` (org/name, layer color)."""
    client.post(
        f"{BASE}/import?organization=lab",
        content=isajson.dumps(sample_model()),
        headers=auth(admin_token),
    )
    client.patch(f"{BASE}/lab/EM1", json={"isPublic": True}, headers=auth(admin_token))
    for dataset in datasets:
        linked = client.post(
            f"{BASE}/lab/EM1/assays/A1/links",
            json={"dataset": dataset, "layer": "color"},
            headers=auth(admin_token),
        )
        assert linked.status_code == 201, linked.text


def test_a_public_investigation_shows_only_the_links_the_viewer_may_see(client, hub, admin_token):
    add_dataset(hub, "lab", "secret_cortex")
    add_dataset(hub, "lab", "open_cortex", public=True)
    _linked_investigation(client, hub, admin_token, "lab/secret_cortex", "lab/open_cortex")
    everyone = client.get(f"{BASE}/lab/EM1").json()
    assert [link["dataset"] for link in everyone["links"]] == ["lab/open_cortex"]
    listed = client.get(BASE).json()
    assert [link["dataset"] for link in listed[0]["links"]] == ["lab/open_cortex"]
    exported = client.get(f"{BASE}/lab/EM1/export?format=isa-json").text
    assert "secret_cortex" not in exported and "open_cortex" in exported
    mine = client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).json()
    assert sorted(link["dataset"] for link in mine["links"]) == [
        "lab/open_cortex",
        "lab/secret_cortex",
    ]


def test_links_are_exported_as_assay_comments_with_the_dataset_url(client, hub, admin_token):
    add_dataset(hub, "lab", "cortex")
    _linked_investigation(client, hub, admin_token, "lab/cortex")
    text = client.get(f"{BASE}/lab/EM1/export?format=isa-json", headers=auth(admin_token)).text
    assay = isajson.loads(text, "x.json").get_assay("A1")
    assert [(c.name, c.value) for c in assay.comments] == [
        ("voxhub dataset", "http://testserver/zarr/lab/cortex/color")
    ]
    archive = client.get(f"{BASE}/lab/EM1/export?format=arc-zip", headers=auth(admin_token))
    from voxhub.isa import read_arc_zip

    arc_assay = read_arc_zip(archive.content).investigation.get_assay("A1")
    assert ("voxhub dataset", "http://testserver/zarr/lab/cortex/color") in [
        (c.name, c.value) for c in arc_assay.comments
    ]


def test_replacing_without_an_assay_removes_its_links(client, hub, admin_token):
    add_dataset(hub, "lab", "cortex")
    _linked_investigation(client, hub, admin_token, "lab/cortex")
    model = sample_model()
    model.remove_assay("A1")
    replaced = client.put(
        f"{BASE}/lab/EM1", content=isajson.dumps(model), headers=auth(admin_token)
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["links"] == []
    client.put(f"{BASE}/lab/EM1", content=isajson.dumps(sample_model()), headers=auth(admin_token))
    assert client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).json()["links"] == []


def test_trashing_a_dataset_drops_its_links_and_restoring_brings_them_back(
    client, hub, admin_token
):
    add_dataset(hub, "lab", "cortex")
    _linked_investigation(client, hub, admin_token, "lab/cortex")
    deleted = client.delete(
        "/api/v1/datasets/lab/cortex", params={"confirm": "cortex"}, headers=auth(admin_token)
    )
    assert deleted.status_code == 200, deleted.text
    assert client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).json()["links"] == []
    restored = client.post(
        f"/api/v1/trash/{deleted.json()['id']}/restore", headers=auth(admin_token)
    )
    assert restored.status_code == 200, restored.text
    links = client.get(f"{BASE}/lab/EM1", headers=auth(admin_token)).json()["links"]
    assert [(x["assay"], x["dataset"], x["layer"]) for x in links] == [
        ("A1", "lab/cortex", "color")
    ]


def test_a_datamap_survives_server_import_and_both_exports(client, admin_token):
    from voxhub.isa import ARC, DataContext, Datamap, read_arc_zip, write_arc_zip

    model = sample_model()
    datamap = Datamap(
        [
            DataContext(
                "vol",
                "application/zarr",
                explication=OntologyAnnotation("electron density", "NCIT", "NCIT:C0000003"),
                unit=OntologyAnnotation("nanometer", "UO", "UO:0000018"),
                label="EM volume",
            )
        ]
    )
    model.get_assay("A1").datamap = datamap
    imported = client.post(
        f"{BASE}/import?organization=lab&format=arc-zip",
        content=write_arc_zip(ARC(model)),
        headers=auth(admin_token),
    )
    assert imported.status_code == 201, imported.text
    archive = client.get(f"{BASE}/lab/EM1/export?format=arc-zip", headers=auth(admin_token))
    assert "assays/A1/isa.datamap.xlsx" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert read_arc_zip(archive.content).investigation.get_assay("A1").datamap == datamap
    exported = client.get(f"{BASE}/lab/EM1/export?format=isa-json", headers=auth(admin_token))
    assert "voxhub:" not in exported.text
    assert isajson.loads(exported.content).get_assay("A1").datamap == datamap
