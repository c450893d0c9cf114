"""``GET /api/v1/investigations/{org}/{id}/tables``: a study's or assay's tables for the web app."""

from tests.api.test_isa import BASE, auth, member_token, sample_model

from voxhub.isa import isajson


def test_assay_tables_as_header_and_cell_texts(client, hub, admin_token):
    imported = client.post(
        f"{BASE}/import?organization=lab&format=isa-json",
        content=isajson.dumps(sample_model()),
        headers=auth(admin_token),
    )
    assert imported.status_code == 201, imported.text
    tables = client.get(f"{BASE}/lab/EM1/tables", params={"assay": "A1"}, headers=auth(admin_token))
    assert tables.status_code == 200, tables.text
    [table] = tables.json()
    assert table["name"] == "imaging"
    # ISA-JSON is read as ARCtrl reads it: the process's protocol becomes a Protocol REF column.
    assert table["headers"] == [
        "Input [Material]",
        "Protocol REF",
        "Parameter [temperature]",
        "Output [Data]",
    ]
    assert table["rows"][0][:2] == ["m1", "imaging"] and "4" in table["rows"][0][2]
    study = client.get(f"{BASE}/lab/EM1/tables", params={"study": "S1"}, headers=auth(admin_token))
    assert study.json() == []
    both = client.get(f"{BASE}/lab/EM1/tables", headers=auth(admin_token))
    assert both.status_code == 400 and both.json()["error"]
    missing = client.get(f"{BASE}/lab/EM1/tables?assay=nope", headers=auth(admin_token))
    assert missing.status_code == 404
    outsider = member_token(hub, organization="other", email="x@other.org")
    hidden = client.get(f"{BASE}/lab/EM1/tables?assay=A1", headers=auth(outsider))
    assert hidden.status_code == 404
