"""Server-side chat sessions: a conversation's turns, kept for the API key that made it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from briefing.store.db import Database
from briefing.store.models import ChatSessionRow, ChatTurnRow, utcnow

MAX_TURNS = 200  # the oldest turns beyond this are not sent back to the model


def create_session(
    db: Database, title: str | None, scope: dict[str, Any], api_key_id: str | None
) -> ChatSessionRow:
    with db.session() as s:
        row = ChatSessionRow(title=title, scope=scope, api_key_id=api_key_id)
        s.add(row)
        s.flush()
        return row


def get_session(db: Database, session_id: str, api_key_id: str | None) -> ChatSessionRow | None:
    """The session if it exists and belongs to this key (another key's is not found)."""
    with db.session() as s:
        row = s.get(ChatSessionRow, session_id)
        if row is None or row.api_key_id != api_key_id:
            return None
        return row


def list_sessions(
    db: Database, api_key_id: str | None, *, limit: int, offset: int
) -> list[ChatSessionRow]:
    with db.session() as s:
        return list(
            s.scalars(
                select(ChatSessionRow)
                .where(ChatSessionRow.api_key_id == api_key_id)
                .order_by(ChatSessionRow.updated_at.desc(), ChatSessionRow.id)
                .limit(limit)
                .offset(offset)
            )
        )


def turns(db: Database, session_id: str) -> list[ChatTurnRow]:
    with db.session() as s:
        rows = s.scalars(
            select(ChatTurnRow)
            .where(ChatTurnRow.session_id == session_id)
            .order_by(ChatTurnRow.id.desc())
            .limit(MAX_TURNS)
        )
        return list(reversed(list(rows)))


def add_turns(
    db: Database, session_id: str, new: list[tuple[str, str, list[dict[str, Any]]]]
) -> None:
    with db.session() as s:
        s.add_all(
            ChatTurnRow(session_id=session_id, role=role, content=content, citations=cites)
            for role, content, cites in new
        )
        s.execute(
            update(ChatSessionRow)
            .where(ChatSessionRow.id == session_id)
            .values(updated_at=utcnow())
        )


def delete_session(db: Database, session_id: str) -> None:
    with db.session() as s:
        s.execute(delete(ChatSessionRow).where(ChatSessionRow.id == session_id))
