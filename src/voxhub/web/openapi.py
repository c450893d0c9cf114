"""The server's OpenAPI schema as the web app's TypeScript types are generated from it.

``python -m voxhub.web.openapi`` writes ``frontend/openapi.json``; ``npm run
api-types`` turns it into ``frontend/src/app/api/schema.d.ts``. Both files are
committed, and ``tests/web/test_openapi.py`` fails when the app's schema no
longer matches the committed one, so a changed route breaks the build instead
of the browser.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).parent / "frontend" / "openapi.json"


def current_schema() -> dict[str, Any]:
    """The schema of the app as this source tree defines it (no data folder is touched)."""
    from voxhub.api.app import create_app
    from voxhub.hub import Hub

    with warnings.catch_warnings():
        # GET and HEAD of the /zarr routes share one function, hence one operation id.
        warnings.filterwarnings("ignore", message="Duplicate Operation ID")
        schema = create_app(Hub()).openapi()
    # Operation ids of routes that serve GET and HEAD with one function vary from run to run
    # (set order); the types need none of them, so the committed file leaves them out.
    for operations in schema["paths"].values():
        for operation in operations.values():
            operation.pop("operationId", None)
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_FILE.write_text(render(current_schema()))
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
