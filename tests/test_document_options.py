"""Names only the planned documents use (issue 16): a decision per missing table or column that no counterpart
resolves, with options that build it or rewrite the documents, each proven on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemalens.assess.compare import analyse
from schemalens.db.rehearse import rehearse
from schemalens.decide.document_rewrite import rewrite_for
from schemalens.decide.options import decide
from schemalens.decide.options.documents import compared_with_uid
from schemalens.read.document_references import missing_references
from schemalens.read.documents import parse_document

DATA = Path(__file__).resolve().parent.parent / "data"

MIGRATION = """
CREATE TABLE orgs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE boards (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                     org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);
CREATE TABLE members (id uuid PRIMARY KEY REFERENCES auth.users (id),
                      board_id uuid NOT NULL REFERENCES boards (id) ON DELETE CASCADE);
CREATE INDEX boards_org_id_idx ON boards (org_id);
CREATE INDEX members_board_id_idx ON members (board_id);
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE boards ENABLE ROW LEVEL SECURITY;
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_self ON members FOR SELECT TO authenticated USING (id = auth.uid());
CREATE POLICY boards_read ON boards FOR SELECT TO authenticated
    USING (id IN (SELECT board_id FROM members WHERE id = auth.uid()));
CREATE POLICY orgs_read ON orgs FOR SELECT TO authenticated
    USING (id IN (SELECT b.org_id FROM boards b JOIN members m ON m.board_id = b.id WHERE m.id = auth.uid()));
"""

PLAN = """# Cards

```sql
CREATE TABLE cards (
    id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    board_id uuid NOT NULL REFERENCES boards (id),
    lane_id  bigint REFERENCES lanes (id)
);
CREATE POLICY cards_read ON cards FOR SELECT TO authenticated
    USING (board_id IN (SELECT b.id FROM boards b WHERE b.owner_id = auth.uid()));
SELECT o.name FROM orgz o;
SELECT b.colour FROM boards b;
```
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    (root / "migrations").mkdir()
    (root / "migrations" / "001_init.sql").write_text(MIGRATION)
    (root / "plans").mkdir()
    (root / "plans" / "cards.md").write_text(PLAN)
    (root / "manifest.yaml").write_text("root: orgs\ndocuments:\n  - plans/*.md\n")
    return root


@pytest.fixture(scope="module")
def decisions(plan):
    return decide(analyse(plan / "migrations", plan / "manifest.yaml"))


def _missing(decisions, choices) -> list[str]:
    rewrite = rewrite_for(decisions, choices)
    docs = [parse_document(d.text, d.name) for d in rewrite]
    return sorted(r.name for r in missing_references(rewrite.schema, docs))


def test_one_decision_per_name_the_documents_alone_use(decisions):
    ids = {d.id: [o.title for o in d.options] for d in decisions if d.kind == "documents"}
    assert ids == {
        # lanes: used in REFERENCES only; keyed by a bigint column
        "document-table-lanes": ["Create `lanes` under `orgs`", "No foreign key to `lanes`"],
        # orgz: a similar name, and orgs has every column the document uses on it; used in FROM, so no B
        "document-table-orgz": ["Use `orgs`"],
        # owner_id is compared with auth.uid(): a user id, or the membership the schema has
        "document-column-boards-owner_id": ["Add `boards.owner_id`", "Members of the `boards` instead of `owner_id`"],
    }
    # boards.colour: nothing says its type or meaning: no option, and the reason is kept
    assert any(did == "document-column-boards-colour" and "type" in why for did, why in decisions.skipped)
    lanes = decisions["document-table-lanes"].option("A")
    assert "id bigint PRIMARY KEY" in lanes.script("up") and "gen_random_uuid" not in lanes.script("up")
    assert "org_id uuid NOT NULL REFERENCES public.orgs (id) ON DELETE CASCADE" in lanes.script("up")
    assert "ENABLE ROW LEVEL SECURITY" in lanes.script("up") and "CREATE POLICY" in lanes.script("up")
    owner = decisions["document-column-boards-owner_id"].option("A")
    assert "ADD COLUMN owner_id uuid REFERENCES auth.users (id) ON DELETE SET NULL" in owner.script("up")
    assert "DROP COLUMN owner_id" in owner.script("down")
    assert decisions["document-table-lanes"].recommended == "A"


def test_each_option_leaves_the_documents_without_that_missing_name(decisions):
    before = _missing(decisions, {})
    assert {"lanes", "orgz", "boards.owner_id", "boards.colour"} <= set(before)
    for d in (d for d in decisions if d.kind == "documents"):
        name = d.id.removeprefix("document-table-").removeprefix("document-column-").replace("-", ".")
        for o in d.options:
            left = _missing(decisions, {d.id: o.key})
            assert name not in left, (d.id, o.key, left)
            assert set(left) == set(before) - {name} - ({"orgz.name"} if name == "orgz" else set())


def test_the_rewrites_read_as_the_option_says(decisions):
    dropped = rewrite_for(decisions, {"document-table-lanes": "B"})["cards.md"].text
    assert "lane_id  bigint\n" in dropped and "lanes" not in dropped.split("```sql")[1]
    member = rewrite_for(decisions, {"document-column-boards-owner_id": "B"})["cards.md"].text
    assert ("WHERE b.id IN (SELECT members.board_id FROM public.members WHERE members.id = auth.uid())"
            in member)
    used = rewrite_for(decisions, {"document-table-orgz": "A"})["cards.md"].text
    assert "SELECT o.name FROM orgs o;" in used


def test_compared_with_uid():
    assert compared_with_uid("WHERE auth.uid() = w.owner_id", "owner_id")
    assert compared_with_uid('WHERE "w".owner_id=auth.uid ()', "owner_id")
    assert not compared_with_uid("WHERE w.owner_id = w.created_by", "owner_id")
    assert not compared_with_uid("WHERE w.co_owner_id = auth.uid()", "owner_id")


def test_the_options_are_proven_on_postgres(plan, decisions, pg_server):
    options = [o for d in decisions if d.kind == "documents" for o in d.options]
    found = rehearse(decisions, plan / "migrations", server=pg_server, options=options, concurrently=False)
    assert {(r.option.decision, r.option.key): r.verdict for r in found} == {
        (o.decision, o.key): "proven" for o in options}


def test_acme_the_two_names_get_decisions_whose_options_are_proven(pg_server):
    decisions = decide(analyse(DATA / "acme" / "migrations", DATA / "acme" / "manifest.yaml"))
    mine = [d for d in decisions if d.kind == "documents"]
    assert [(d.id, d.recommended, len(d.options)) for d in mine] == [
        ("document-table-teams", "A", 2), ("document-column-workspaces-owner_id", "A", 2)]
    found = rehearse(decisions, server=pg_server, options=[o for d in mine for o in d.options])
    assert {r.verdict for r in found} == {"proven"}
