"""The committed OpenAPI schema (which the web app's types come from) matches the app."""

from voxhub.web.openapi import SCHEMA_FILE, current_schema, render


def test_committed_schema_matches_the_app():
    assert SCHEMA_FILE.read_text() == render(current_schema()), (
        "the API changed: run `python -m voxhub.web.openapi` and `npm run api-types` "
        "in src/voxhub/web/frontend, then rebuild the app"
    )
