"""``/api/v1/jobs``: who sees which jobs, cancel and retry, error shapes."""

import pytest
import tests.jobs.kinds_for_tests  # noqa: F401  (registers test.* kinds)

from voxhub.access.accounts import create_user, find_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.jobs import service
from voxhub.jobs.runner import Worker


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def member(hub, admin_token):
    """A plain member of ``lab`` (where admin_token's user is admin), with a job each."""
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        user = create_user(session, email="member@lab.org", organization=org)
        token = issue_token(session, user, "tests").token
        admin_id = find_user(session, "admin@lab.org").id
        service.submit(session, "test.echo", {"who": "member"}, owner_id=user.id,
                       organization_id=org.id)  # fmt: skip
        service.submit(session, "test.refuse", {"who": "admin"}, owner_id=admin_id,
                       organization_id=org.id)  # fmt: skip
    return token


def test_members_see_their_own_jobs_admins_see_the_organization(client, member, admin_token):
    mine = client.get("/api/v1/jobs", headers=auth(member)).json()
    assert [j["params"]["who"] for j in mine] == ["member"]
    everything = client.get("/api/v1/jobs", headers=auth(admin_token)).json()
    assert [j["params"]["who"] for j in everything] == ["admin", "member"]  # newest first
    admin_job = everything[0]["id"]
    hidden = client.get(f"/api/v1/jobs/{admin_job}", headers=auth(member))
    assert (hidden.status_code, hidden.json()["error"]) == (404, "job_not_found")


def test_outsiders_and_anonymous_callers_see_nothing(client, member, outsider_token):
    assert client.get("/api/v1/jobs", headers=auth(outsider_token)).json() == []
    anonymous = client.get("/api/v1/jobs")
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"error", "detail"}
    assert client.post("/api/v1/jobs/1/cancel", headers=auth(outsider_token)).status_code == 404


def test_cancel_a_queued_job_then_retry_it(client, hub, member):
    job_id = client.get("/api/v1/jobs", headers=auth(member)).json()[0]["id"]
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth(member)).json()
    assert cancelled["state"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth(member))
    assert (again.status_code, again.json()["error"]) == (409, "job_state")
    retried = client.post(f"/api/v1/jobs/{job_id}/retry", headers=auth(member)).json()
    assert (retried["state"], retried["attempts"]) == ("queued", 0)
    Worker(hub).run_once()
    done = client.get(f"/api/v1/jobs/{job_id}", headers=auth(member)).json()
    assert done["state"] == "succeeded" and done["result"]["echo"] == {"who": "member"}


def test_failed_jobs_show_their_error_and_can_be_retried(client, hub, member, admin_token):
    worker = Worker(hub)
    worker.run_once()
    worker.run_once()
    failed = client.get("/api/v1/jobs?state=failed", headers=auth(admin_token)).json()
    assert len(failed) == 1
    assert (failed[0]["errorCode"], failed[0]["error"]) == (
        "invalid_input",
        "the parameters make no sense",
    )
    running_only = client.post(f"/api/v1/jobs/{failed[0]['id']}/retry", headers=auth(member))
    assert running_only.status_code == 404  # not the member's job
    retried = client.post(f"/api/v1/jobs/{failed[0]['id']}/retry", headers=auth(admin_token))
    assert retried.json()["state"] == "queued"
    succeeded = client.get("/api/v1/jobs?state=succeeded", headers=auth(member)).json()
    blocked = client.post(f"/api/v1/jobs/{succeeded[0]['id']}/retry", headers=auth(member))
    assert blocked.status_code == 409
