"""The study folder: the names of its files, finding it from the current folder, and a new one
(the commented codebook.yaml template and ``init_project``).  Kept apart from fieldcode.study.codebook
and fieldcode.project (which load ruamel.yaml and the rest) so ``fieldcode init`` and
``fieldcode codebook check`` start fast; fieldcode.project re-exports these names."""

from __future__ import annotations

from pathlib import Path

from fieldcode.errors import InvalidInput, NotFound

CODEBOOK = "codebook.yaml"
INTERVIEWS = "interviews"
REFI_JOURNAL = ".fieldcode-refi-import.json"   # a REFI-QDA import in progress (fieldcode.exchange.refi_journal)
DB_FILE = "fieldcode.db"   # the study's SQLite database (unless --db or settings name another)
# the codebook as last validated, keyed by its bytes (fieldcode.study.codebook.load): a fast start
CODEBOOK_CACHE = ".fieldcode/cache/codebook.json"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding a codebook.yaml, as git finds .git."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CODEBOOK).is_file():
            return folder
    raise NotFound(f"no fieldcode project here: no {CODEBOOK} in {here} or any folder above it. "
                   "Run 'fieldcode init' to start one, or pass --project DIR.")


def init_project(folder: Path) -> Path:
    """Write the template codebook.yaml and an empty interviews/ folder in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cb = folder / CODEBOOK
    if cb.exists():
        raise InvalidInput(f"{cb} already exists: this folder is already a fieldcode project")
    cb.write_text(TEMPLATE, encoding="utf-8")
    (folder / INTERVIEWS).mkdir(exist_ok=True)
    return cb


TEMPLATE = '''\
# fieldcode codebook
#
# Each code has a stable `key` (a slug: lowercase letters, digits, '-' or '_'). Codings are
# stored against the key, so you can rename a code (`name`) at any time and keep its codings.
# Never reuse a key for a different meaning. A code you delete from this file is retired, not
# deleted: its codings stay in the database and in exports.
#
# Check the file with:  fieldcode codebook check

study:
  name: "My study"
  # The two arms of each matched pair: the focal arm first, then its comparison twin.
  # Interview attributes `arm:` must use one of these labels.
  arms: [improving, lagging]
  # Speaker labels whose turns analyses leave out by default.
  interviewer_speakers: [Interviewer]
  # Attributes every interview should carry; `fieldcode interviews` warns when one is missing.
  required_attributes: [pair, neighbourhood, arm, role]
  # Transcripts without speaker labels: how their turns are marked (README: speaker turns).
  # turns: auto                              # labels (default) | paragraphs | auto
  # interviewer_lines: '\\d+\\.\\d\\d\\s'    # a paragraph starting like this is the interviewer's

codes:
  - key: example-theme
    name: Example theme
    colour: "#1f77b4"        # #RRGGBB
    hotkey: "1"              # optional: one letter or digit
    definition: What this theme means in your study.
    use_when: The passage talks about ...
    not_when: The passage only mentions ... in passing.
    example: "An illustrative quote."
    keywords: [example]
  # A child code names its parent:
  # - key: example-child
  #   parent: example-theme
  #   name: Example child
  #   colour: "#aec7e8"
  #   definition: ...
'''
