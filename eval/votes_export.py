"""Optional export of the votes as a Hugging Face dataset, off by default.

Where a Space sets `STYLEBENCH_VOTES_DATASET` (a dataset repository, e.g. `user/stylebench-votes`)
and has a token (`HF_TOKEN`, a Space secret), the app writes every vote to `votes.jsonl` (one JSON
object a line, the database's columns; no IP address or other personal data is stored in the first
place) and huggingface_hub's CommitScheduler commits it to the repository every
`STYLEBENCH_VOTES_EXPORT_MINUTES` (default 10), as Spaces that collect feedback do. The repository
is created private where it does not exist. The database stays the record; the export is a copy.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from eval import votes
from methods.core.files import atomic_write

REPO_ENV = "STYLEBENCH_VOTES_DATASET"
MINUTES_ENV = "STYLEBENCH_VOTES_EXPORT_MINUTES"
DEFAULT_MINUTES = 10.0
FILE = "votes.jsonl"


def snapshot(db: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Every vote of `db` as JSON lines in folder/votes.jsonl, written whole (a commit never takes
    half) and only when it changed (the scheduler commits a file whose time changed)."""
    path = Path(folder) / FILE
    lines = "".join(json.dumps(row, sort_keys=True) + "\n" for row in votes.read_votes(db))
    if path.is_file() and path.read_text() == lines:
        return path
    return atomic_write(path, lines)


def start(db: str | os.PathLike, folder: str | os.PathLike | None = None, repo_id: str | None = None,
          minutes: float | None = None, hf_api=None):
    """The running scheduler, or None where no dataset repository is configured (the default).
    `hf_api`: huggingface_hub.HfApi or an object with its create_repo and create_commit."""
    repo_id = repo_id or os.environ.get(REPO_ENV)
    if not repo_id:
        return None
    from huggingface_hub import CommitScheduler  # only where an export is configured

    class VotesScheduler(CommitScheduler):
        def push_to_hub(self):
            with self.lock:  # the scheduler lists the folder under this lock
                snapshot(db, self.folder_path)
            return super().push_to_hub()

    folder = Path(folder) if folder else Path(db).with_name("votes-export")
    minutes = minutes or float(os.environ.get(MINUTES_ENV, DEFAULT_MINUTES))
    return VotesScheduler(repo_id=repo_id, repo_type="dataset", folder_path=folder, every=minutes, private=True,
                          allow_patterns=[FILE], hf_api=hf_api)
