"""What a served worker loads at start: nothing that only some commands or pages need."""

import subprocess
import sys

SERVED_APP = """
import sys
from learnapp import create_app
from learnapp.auth import service
create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "ISSUER_KEY": %r})
loaded = [name for name in ("flask_migrate", "alembic", "pyld", "requests", "weasyprint")
          if name in sys.modules]
assert not loaded, f"imported at start: {loaded}"
assert service._dummy_hash.cache_info().currsize == 0, "an Argon2 hash made at start"
"""


def test_the_served_app_leaves_migrations_json_ld_and_pdf_unimported():
    from tests.conftest import ISSUER_KEY

    subprocess.run([sys.executable, "-c", SERVED_APP % ISSUER_KEY], check=True)
