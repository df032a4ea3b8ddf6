"""The optional export of the votes (eval.votes_export): off by default; where configured,
huggingface_hub's CommitScheduler commits votes.jsonl, here into a local folder standing in for
the dataset repository."""
from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from eval import votes, votes_export
from eval.votes import Output, Shown, Store


class LocalRepository:
    """The calls CommitScheduler makes to the Hub, answered by copying into a local folder; commits
    run one at a time in a worker thread, as HfApi.run_as_future runs them."""

    def __init__(self, folder: Path):
        self.folder, self.commits = folder, []
        self.worker = ThreadPoolExecutor(max_workers=1)

    def run_as_future(self, fn, *args, **kwargs):
        return self.worker.submit(fn, *args, **kwargs)

    def create_repo(self, repo_id, private=None, repo_type=None, exist_ok=True):
        self.created = (repo_id, private, repo_type)
        return SimpleNamespace(repo_id=repo_id)

    def create_commit(self, repo_id, repo_type, operations, commit_message, revision=None):
        for operation in operations:
            target = self.folder / operation.path_in_repo
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as file:
                shutil.copyfileobj(operation.path_or_fileobj, file)
        self.commits.append([operation.path_in_repo for operation in operations])
        return SimpleNamespace(commit_url="local")


def cast(store: Store, answer: str) -> None:
    session = store.voter_id("page")
    pair = Shown("pool", "astronaut", "p", "starry_night", "s", Output("gatys", {"size": 256}, "a", {"ssim": 0.4}),
                 Output("vae", {}, "b", {"ssim": 0.5}))
    store.cast(store.ticket(pair, session), answer, session)


def test_the_export_is_off_without_a_dataset_repository(tmp_path, monkeypatch):
    monkeypatch.delenv(votes_export.REPO_ENV, raising=False)
    assert votes_export.start(tmp_path / "votes.sqlite3") is None
    assert list(tmp_path.iterdir()) == []


def test_scheduled_commits_carry_every_vote_to_the_repository(tmp_path):
    store = Store(tmp_path / "votes.sqlite3")
    cast(store, "left")
    repository = LocalRepository(tmp_path / "repository")
    scheduler = votes_export.start(store.path, repo_id="someone/stylebench-votes", minutes=60, hf_api=repository)
    try:
        assert repository.created == ("someone/stylebench-votes", True, "dataset")
        scheduler.trigger().result(timeout=30)
        assert len(exported(repository)) == 1
        commits = len(repository.commits)
        scheduler.trigger().result(timeout=30)
        assert len(repository.commits) == commits  # nothing new: no commit
        cast(store, "same")
        scheduler.trigger().result(timeout=30)
    finally:
        scheduler.stop()
    assert len(repository.commits) == commits + 1 and set(map(tuple, repository.commits)) == {("votes.jsonl",)}
    rows = exported(repository)
    assert rows == votes.read_votes(store.path) and [row["answer"] for row in rows] == ["left", "same"]
    store.close()


def exported(repository: LocalRepository) -> list[dict]:
    return [json.loads(line) for line in (repository.folder / "votes.jsonl").read_text().splitlines()]
