"""Flags nobody took within their team's SLA are escalated once: the team manager is told by DM and the
team's post says so. One conditional UPDATE marks them, so a second run (or a second clock) finds nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from bot.delivery import outbox
from bot.flags import messages as flag_messages
from bot.models import Account, Flag, Person, Team
from bot.people import reach
from bot.platforms import channel_label, pick_channel


def escalate_stalled(session: Session, now: datetime) -> list[int]:
    """Escalate every open flag past its SLA that was not escalated yet; returns their ids. Caller commits."""
    ids = list(
        session.scalars(
            update(Flag)
            .where(
                Flag.status == "open", Flag.escalated_at.is_(None), Flag.sla_due_at.is_not(None), Flag.sla_due_at <= now
            )
            .values(escalated_at=now)
            .returning(Flag.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not ids:
        return []
    manager, csm = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Flag, Account, Team, manager, csm)
        .join(Account, Account.id == Flag.account_id)
        .join(Team, Team.id == Flag.team_id)
        .outerjoin(manager, manager.id == Team.manager_id)
        .outerjoin(csm, csm.id == Account.owner_id)
        .where(Flag.id.in_(ids))
        .execution_options(populate_existing=True)
    ).all()
    for flag, account, team, team_manager, owner in rows:
        post = flag.team_post_key or f"flag:{flag.id}:team"
        outbox.update_post(
            session, f"{post}:escalated", post, flag_messages.for_team(flag, account, owner, team, team_manager), now
        )
        if team_manager is not None:
            dm = reach.person(session, team_manager.id, team_manager.email)
            posted = pick_channel(reach.team(session, team.id), dm.platform)
            where = channel_label(posted) if posted else None
            message = flag_messages.escalation(flag, account, team, where)
            outbox.enqueue(session, f"{post}:escalated:manager", dm, message, now)
    return sorted(ids)
