"""The migrations form one line: exactly one head, every revision reachable
from it, each file's revision id matching its name (two branches that each
add a migration must be joined by a merge revision before they ship)."""
from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from content_service.db import MIGRATIONS_DIR


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def test_alembic_has_exactly_one_head():
    heads = _scripts().get_heads()
    assert len(heads) == 1, (
        f"migration heads {sorted(heads)}: add a merge revision "
        f"(alembic merge -m 'merge ...' {' '.join(sorted(heads))})")


def test_every_revision_leads_to_the_head_and_is_named_after_its_id():
    scripts = _scripts()
    (head,) = scripts.get_heads()
    reachable = {rev.revision for rev in scripts.walk_revisions("base", head)}
    everything = {rev.revision for rev in scripts.walk_revisions()}
    assert reachable == everything
    for rev in scripts.walk_revisions():
        assert rev.path is not None and rev.path.rsplit("/", 1)[-1].startswith(f"{rev.revision}_"), rev.path
