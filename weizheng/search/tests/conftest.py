"""The fixture corpus: ~30 policies, guides and news of two accounts, in Chinese and English."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from conftest import make_account
from weizheng.search.api import Document, index_documents

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus.json"


def corpus_documents(accounts: dict[str, object]) -> list[Document]:
    """The fixture file's documents for the given accounts (by slug)."""
    docs = []
    for item in json.loads(CORPUS.read_text(encoding="utf-8")):
        account = accounts.get(item["account"])
        if account is None:
            continue
        docs.append(
            Document(
                key=item["key"],
                account_id=account.pk,
                language=item["language"],
                title=item["title"],
                body=item["body"],
                facets=item["facets"],
                url=item["url"],
                published_at=datetime.fromisoformat(item["published_at"]),
            )
        )
    return docs


@pytest.fixture
def water_account(db):
    return make_account(
        "water", mode="plain", app_id="wx2222222222222222", token="watertoken", name="平安水务"
    )


@pytest.fixture
def corpus(plain_account, water_account):
    """Both accounts' documents indexed; returns the accounts by slug."""
    accounts = {"police": plain_account, "water": water_account}
    index_documents(corpus_documents(accounts))
    return accounts
