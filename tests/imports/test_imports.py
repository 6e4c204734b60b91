"""CSV imports: every bad-row case reported with its line, all or nothing, idempotent re-imports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.errors import BadInput
from bot.imports import import_csv
from bot.models import (
    Account,
    HealthSnapshot,
    Person,
    RoutingRule,
    StageChange,
    SuccessCriterion,
    Team,
    TeamChannel,
    TeamMember,
)
from tests.factories import make_person

TODAY = date(2026, 11, 23)
ACCOUNTS_HEADER = "name,domain,owner_email,tier,arr,renewal_date,health_score,stage,last_touch_date,success_criteria"


def run(session, kind: str, text: str | bytes, **options):
    data = text.encode() if isinstance(text, str) else text
    report = import_csv(session, kind, data, today=options.pop("today", TODAY), **options)
    session.commit()
    return report


def accounts_csv(*rows: str) -> str:
    return "\n".join((ACCOUNTS_HEADER, *rows)) + "\n"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def maya(session):
    person = make_person(session, "maya@example.com", name="Maya Patel")
    session.commit()
    return person


GOOD = "Acme Corporation,acme.example,maya@example.com,intimacy,240000,2027-02-15,72,adoption,2026-09-14,A;B"


def test_valid_accounts_are_created_with_all_their_fields(session, maya):
    report = run(session, "accounts", accounts_csv(GOOD, 'Initech,,,low,"9,000.50",,,renewal,,'))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, [])
    acme = session.scalars(select(Account).where(Account.domain == "acme.example")).one()
    assert (acme.name, acme.owner_id, acme.tier, acme.arr, acme.renewal_date, acme.health_score, acme.stage) == (
        "Acme Corporation",
        maya.id,
        "intimacy",
        Decimal("240000.00"),
        date(2027, 2, 15),
        72,
        "adoption",
    )
    assert session.scalars(
        select(SuccessCriterion.text).where(SuccessCriterion.account_id == acme.id).order_by(SuccessCriterion.position)
    ).all() == ["A", "B"]
    initech = session.scalars(select(Account).where(Account.name == "Initech")).one()
    assert (initech.owner_id, initech.tier, initech.arr, initech.health_score) == (
        None,
        "service",
        Decimal("9000.50"),
        None,
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Acme,acme.example,nobody@example.com,intimacy,1,2027-01-01,50,adoption,2026-11-01,", "unknown owner email"),
        ("Acme,acme.example,maya@example.com,intimacy,1,2027-02-30,50,adoption,2026-11-01,", "not a real date"),
        ("Acme,acme.example,maya@example.com,intimacy,1,15/02/2027,50,adoption,2026-11-01,", "YYYY-MM-DD"),
        ("Acme,acme.example,maya@example.com,intimacy,1,2027-01-01,140,adoption,2026-11-01,", "outside 0–100"),
        ("Acme,acme.example,maya@example.com,intimacy,1,2027-01-01,-1,adoption,2026-11-01,", "outside 0–100"),
        ("Acme,acme.example,maya@example.com,gold,1,2027-01-01,50,adoption,2026-11-01,", "unknown tier “gold”"),
        ("Acme,acme.example,maya@example.com,intimacy,1,2027-01-01,50,thriving,2026-11-01,", "unknown stage"),
        ("Acme,acme.example,maya@example.com,intimacy,lots,2027-01-01,50,adoption,2026-11-01,", "arr “lots” is not"),
        ("Acme,not a domain,maya@example.com,intimacy,1,2027-01-01,50,adoption,2026-11-01,", "not a domain name"),
        (",acme.example,maya@example.com,intimacy,1,2027-01-01,50,adoption,2026-11-01,", "name is empty"),
        ("Acme,acme.example,maya@example.com,intimacy,1,2027-01-01,50,adoption,2027-06-01,", "in the future"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_nothing_is_written(session, maya, row, reason):
    report = run(session, "accounts", accounts_csv(GOOD.replace("acme.example", "ok.example"), row))
    assert not report.written
    assert [e.line for e in report.rejected] == [3]
    assert reason in report.rejected[0].reason
    assert count(session, Account) == 0


def test_all_reasons_of_a_row_are_listed_together(session, maya):
    report = run(session, "accounts", accounts_csv("Acme,acme.example,x@example.com,gold,1,2027-13-01,101,nope,,"))
    reason = report.rejected[0].reason
    for part in ("unknown owner email", "unknown tier", "unknown stage", "renewal_date", "health_score 101"):
        assert part in reason


def test_duplicate_keys_in_one_file_are_rejected(session, maya):
    report = run(
        session,
        "accounts",
        accounts_csv(
            GOOD,
            GOOD.replace("Acme Corporation", "Acme Corp"),
            "Initech,,,low,,,,renewal,,",
            "INITECH,,,low,,,,renewal,,",
        ),
    )
    assert [(e.line, e.reason[:12]) for e in report.rejected] == [(3, "duplicate of"), (5, "duplicate of")]
    assert "line 2" in report.rejected[0].reason and "line 4" in report.rejected[1].reason
    assert count(session, Account) == 0


def test_missing_required_column_rejects_the_file(session, maya):
    with pytest.raises(BadInput, match=r"line 1: missing required columns tier, stage"):
        run(session, "accounts", "name,domain\nAcme,acme.example\n")


def test_a_file_that_is_not_utf8_is_refused_with_the_line_of_the_bad_byte(session, maya):
    data = (accounts_csv(GOOD) + "Café Zürich,cafe.example,,low,,,,adoption,,\n").encode("latin-1")
    with pytest.raises(BadInput, match=r"line 3: the file is not UTF-8"):
        run(session, "accounts", data)
    assert count(session, Account) == 0


def test_broken_quoting_is_refused_with_a_line(session, maya):
    with pytest.raises(BadInput, match=r"line \d+: the file's CSV quoting is broken"):
        run(session, "accounts", accounts_csv(GOOD, 'Bad "quote,x.example,,low,,,,adoption,,', '"unterminated'))


def test_utf8_with_bom_and_accents_and_multiline_cells_are_read(session, maya):
    text = accounts_csv(
        '"Café\nZürich",cafe.example,,engagement,,,,adoption,,', "Ōtsuka,otsuka.example,,high,,,,expansion,,"
    )
    report = run(session, "accounts", "\ufeff" + text)
    assert report.created == 2
    assert session.scalar(select(Account.name).where(Account.domain == "otsuka.example")) == "Ōtsuka"


def test_skip_invalid_writes_the_valid_rows_and_lists_the_rest(session, maya):
    report = run(session, "accounts", accounts_csv(GOOD, "Bad,bad.example,,gold,,,,adoption,,"), skip_invalid=True)
    assert report.written and report.created == 1
    assert [e.line for e in report.rejected] == [3]
    assert session.scalars(select(Account.name)).all() == ["Acme Corporation"]


def test_dry_run_counts_but_writes_nothing(session, maya):
    report = run(session, "accounts", accounts_csv(GOOD), dry_run=True)
    assert report.created == 1 and not report.written
    assert count(session, Account) == 0


def test_reimporting_the_same_file_changes_nothing(session, maya):
    text = accounts_csv(GOOD, "Initech,,,low,9000,,,renewal,,")
    run(session, "accounts", text)
    before = session.execute(select(Account.id, Account.updated_at).order_by(Account.id)).all()
    report = run(session, "accounts", text)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert session.execute(select(Account.id, Account.updated_at).order_by(Account.id)).all() == before
    assert count(session, HealthSnapshot) == 1


def test_updates_change_only_what_differs_and_keep_health_history(session, maya):
    run(session, "accounts", accounts_csv(GOOD), today=date(2026, 10, 1))
    changed = GOOD.replace(",72,", ",60,").replace("A;B", "A;B;C")
    report = run(session, "accounts", accounts_csv(changed, "Initech,,,low,,,,renewal,,"), today=TODAY)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    acme = session.scalars(select(Account).where(Account.domain == "acme.example")).one()
    history = session.execute(
        select(HealthSnapshot.taken_on, HealthSnapshot.score)
        .where(HealthSnapshot.account_id == acme.id)
        .order_by(HealthSnapshot.taken_on)
    ).all()
    assert history == [(date(2026, 10, 1), 72), (TODAY, 60)]
    assert count(session, SuccessCriterion) == 3


def test_a_stage_move_is_recorded_and_criteria_keep_their_status(session, maya):
    run(session, "accounts", accounts_csv(GOOD), today=date(2026, 10, 1))
    first = session.scalars(select(SuccessCriterion).order_by(SuccessCriterion.position)).first()
    first.status = "on_track"
    session.commit()
    moved = GOOD.replace(",adoption,", ",at_risk,").replace("A;B", "A;B;C")
    run(session, "accounts", accounts_csv(moved), today=TODAY)
    assert session.execute(select(StageChange.from_stage, StageChange.to_stage, StageChange.changed_on)).all() == [
        ("adoption", "at_risk", TODAY)
    ]
    kept = session.execute(select(SuccessCriterion.text, SuccessCriterion.status, SuccessCriterion.updated_on)).all()
    assert sorted(kept) == [
        ("A", "on_track", date(2026, 10, 1)),
        ("B", "not_started", date(2026, 10, 1)),
        ("C", "not_started", TODAY),
    ]


def test_columns_left_out_keep_their_values_and_empty_cells_clear_them(session, maya):
    run(session, "accounts", accounts_csv(GOOD))
    run(session, "accounts", "name,domain,tier,stage\nAcme Corporation,acme.example,intimacy,renewal\n")
    acme = session.scalars(select(Account).where(Account.domain == "acme.example")).one()
    assert (acme.stage, acme.arr, acme.owner_id) == ("renewal", Decimal("240000.00"), maya.id)
    run(session, "accounts", "name,domain,tier,stage,owner_email\nAcme Corporation,acme.example,intimacy,renewal,\n")
    session.refresh(acme)
    assert acme.owner_id is None


def test_a_domain_less_account_is_matched_by_name_then_gets_its_domain(session, maya):
    run(session, "accounts", accounts_csv("Initech,,,low,,,,renewal,,"))
    report = run(session, "accounts", accounts_csv("Initech,initech.example,,low,,,,renewal,,"))
    assert (report.created, report.updated) == (0, 1)
    assert session.scalars(select(Account.domain)).all() == ["initech.example"]


def test_people_import_links_managers_in_the_same_file(session):
    text = (
        "email,name,role,manager_email,timezone\n"
        "Maya@Example.com,Maya Patel,csm,olivia@example.com,America/New_York\n"
        "olivia@example.com,Olivia Chen,manager,,Europe/London\n"
    )
    report = run(session, "people", text)
    assert (report.created, report.rejected) == (2, [])
    maya = session.scalars(select(Person).where(Person.email == "maya@example.com")).one()
    olivia = session.scalars(select(Person).where(Person.email == "olivia@example.com")).one()
    assert maya.manager_id == olivia.id and maya.timezone == "America/New_York"
    assert run(session, "people", text).unchanged == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("a@example.com,A,wizard,,UTC", "unknown role"),
        ("a@example.com,A,csm,,Mars/Olympus", "unknown timezone"),
        ("a@example.com,A,csm,boss@example.com,UTC", "unknown manager email"),
        ("a@example.com,A,csm,a@example.com,UTC", "own manager"),
        ("not-an-email,A,csm,,UTC", "not an email address"),
    ],
)
def test_bad_people_rows_are_rejected(session, row, reason):
    report = run(session, "people", f"email,name,role,manager_email,timezone\n{row}\n")
    assert reason in report.rejected[0].reason and report.rejected[0].line == 2
    assert count(session, Person) == 0


def test_teams_import_sets_routing_rules(session):
    make_person(session, "ben@example.com")
    session.commit()
    text = (
        "name,channel,manager_email,categories,sla_hours\n"
        "Billing,#billing,ben@example.com,billing,24\n"
        "Customer Success,C0123ABCD,,other;executive,\n"
    )
    report = run(session, "teams", text)
    assert (report.created, report.rejected) == (2, [])
    rules = dict(session.execute(select(RoutingRule.category, Team.name).join(Team)).all())
    assert rules == {"billing": "Billing", "other": "Customer Success", "executive": "Customer Success"}
    assert session.scalar(select(Team.sla_hours).where(Team.name == "Customer Success")) == 24
    assert run(session, "teams", text).unchanged == 2
    moved = text.replace("other;executive", "other").replace("billing,24", "billing;executive,24")
    assert run(session, "teams", moved).updated == 2
    assert session.scalar(select(Team.name).join(RoutingRule).where(RoutingRule.category == "executive")) == "Billing"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Billing,#Not A Channel,,billing,24,", "not a Slack channel"),
        ("Billing,#billing,,refunds,24,", "unknown category refunds"),
        ("Billing,#billing,,billing,0,", "outside 1–720"),
        ("Billing,#billing,nobody@example.com,billing,24,", "unknown manager email"),
        ("Billing,,,billing,24,", "no channel: give channel or teams_channel"),
    ],
)
def test_bad_team_rows_are_rejected(session, row, reason):
    report = run(session, "teams", f"name,channel,manager_email,categories,sla_hours,teams_channel\n{row}\n")
    assert reason in report.rejected[0].reason


def channels_of(session) -> dict[str, dict[str, str]]:
    rows = session.execute(select(Team.name, TeamChannel.platform, TeamChannel.channel).join(TeamChannel))
    found: dict[str, dict[str, str]] = {}
    for name, platform, channel in rows:
        found.setdefault(name, {})[platform] = channel
    return found


def test_a_team_has_a_channel_on_each_platform_the_file_names(session):
    text = (
        "name,channel,categories,teams_channel\n"
        "Billing,#billing,billing,19:abc123@thread.tacv2\n"
        "Support,,support,19:def456@thread.tacv2\n"  # on Teams only
        "Customer Success,C0123ABCD,other,\n"  # on Slack only
    )
    assert run(session, "teams", text).created == 3
    assert channels_of(session) == {
        "Billing": {"slack": "billing", "teams": "19:abc123@thread.tacv2"},
        "Support": {"teams": "19:def456@thread.tacv2"},
        "Customer Success": {"slack": "C0123ABCD"},
    }
    assert run(session, "teams", text).unchanged == 3
    # A file without the Teams column leaves the Teams channels as they are; an empty cell removes one.
    slack_only = (
        "name,channel,categories\nBilling,#billing-team,billing\nSupport,,support\nCustomer Success,C0123ABCD,other\n"
    )
    report = run(session, "teams", slack_only)
    assert (report.updated, report.unchanged, report.rejected) == (1, 2, [])  # Support keeps its Teams channel
    assert channels_of(session)["Billing"] == {"slack": "billing-team", "teams": "19:abc123@thread.tacv2"}
    bad = run(session, "teams", "name,channel,categories,teams_channel\nBilling,#billing,billing,general\n")
    assert "teams_channel “general” is not a Teams channel id" in bad.rejected[0].reason
    lost = run(session, "teams", "name,channel,categories\nNew,,training\n")
    assert lost.created == 1 and "line 2: New has no channel on any platform" in " ".join(lost.notes)


def test_a_category_given_to_two_teams_in_one_file_is_rejected(session):
    text = "name,channel,categories\nBilling,#billing,billing\nFinance,#finance,billing;other\n"
    report = run(session, "teams", text)
    assert report.rejected[0].line == 3 and "already belongs to the team on line 2" in report.rejected[0].reason
    assert count(session, Team) == 0


def test_rows_that_clash_with_the_database_also_mean_nothing_is_written(session, maya):
    from tests.factories import make_account

    make_account(session, "Initech", domain=None)
    make_account(session, "Initech", domain=None)
    session.commit()
    text = accounts_csv(GOOD, "Initech,,,low,,,,renewal,,")
    report = run(session, "accounts", text)
    assert not report.written and report.rejected[0].line == 3
    assert "several accounts are named “Initech”" in report.rejected[0].reason
    assert count(session, Account) == 2
    assert run(session, "accounts", text, skip_invalid=True).created == 1


def test_teams_import_sets_who_works_each_teams_flags(session):
    for email in ("jonas@example.com", "priya@example.com", "ben@example.com"):
        make_person(session, email)
    session.commit()
    header = "name,channel,manager_email,categories,sla_hours,members\n"
    text = header + "Billing,#billing,,billing,24,jonas@example.com; Priya@Example.com\nSupport,#support,,support,8,\n"
    assert run(session, "teams", text).created == 2
    assert members_of(session) == {"Billing": ["jonas@example.com", "priya@example.com"], "Support": []}
    assert run(session, "teams", text).unchanged == 2  # the same members: nothing to do
    changed = header + "Billing,#billing,,billing,24,ben@example.com\nSupport,#support,,support,8,\n"
    assert run(session, "teams", changed).updated == 1
    assert members_of(session)["Billing"] == ["ben@example.com"]
    without = "name,channel,manager_email,categories,sla_hours\nBilling,#billing,,billing,24\n"
    assert run(session, "teams", without).unchanged == 1  # no members column: the members stay
    assert members_of(session)["Billing"] == ["ben@example.com"]


def test_a_team_member_who_is_not_a_person_yet_is_a_bad_row(session):
    text = "name,channel,categories,members\nBilling,#billing,billing,nobody@example.com;not-an-email\n"
    report = run(session, "teams", text)
    assert [(e.line, e.reason) for e in report.rejected] == [
        (
            2,
            "unknown member email “nobody@example.com” (import people first); "
            "members “not-an-email” is not an email address",
        )
    ]
    assert count(session, Team) == 0


def members_of(session) -> dict[str, list[str]]:
    rows = session.execute(
        select(Team.name, Person.email)
        .outerjoin(TeamMember, TeamMember.team_id == Team.id)
        .outerjoin(Person, Person.id == TeamMember.person_id)
        .order_by(Team.name, Person.email)
    )
    found: dict[str, list[str]] = {}
    for team, email in rows:
        found.setdefault(team, [])
        if email:
            found[team].append(email)
    return found


def test_a_category_moving_to_another_team_says_which_team_lost_it(session):
    first = "name,channel,categories\nFinance,#finance,billing;other\n"
    assert run(session, "teams", first).notes == []
    report = run(session, "teams", "name,channel,categories\nBilling,#billing,billing\n")
    assert report.notes == ["line 2: billing moves from Finance to Billing"]
    assert session.scalar(select(Team.name).join(RoutingRule).where(RoutingRule.category == "billing")) == "Billing"


def test_a_teams_file_leaving_other_unowned_is_warned_about(session):
    report = run(session, "teams", "name,channel,categories\nBilling,#billing,billing\n")
    assert report.written and any("no team owns `other` now" in note for note in report.notes)
    report = run(session, "teams", "name,channel,categories\nCS,#cs,other\n")
    assert not any("`other`" in note for note in report.notes)


def test_a_semicolon_separated_file_gets_a_hint_about_the_separator(session):
    with pytest.raises(BadInput) as refused:
        run(session, "teams", "name;channel;categories\nBilling;#billing;billing\n")
    assert "separated by semicolons: Tend reads comma-separated files" in refused.value.message


def test_a_row_with_too_few_or_too_many_fields_says_how_many(session, maya):
    short = "Acme Corporation,acme.example,maya@example.com,intimacy"
    long = "Initech,initech.example,,service,1,000,2027-01-01,50,adoption,,"  # an unquoted thousands comma
    report = run(session, "accounts", accounts_csv(short, long))
    assert [(e.line, e.reason) for e in report.rejected] == [
        (2, "the row has 4 fields, the header has 10"),
        (3, "the row has 11 fields, the header has 10 (a comma inside a value must be in quotes)"),
    ]


def test_a_loop_of_managers_is_refused(session):
    text = (
        "email,name,role,manager_email\n"
        "a@example.com,Ann,manager,b@example.com\n"
        "b@example.com,Bob,manager,a@example.com\n"
        "c@example.com,Cat,csm,a@example.com\n"
    )
    report = run(session, "people", text)
    assert [(e.line, e.reason) for e in report.rejected] == [
        (2, "managers go round in a loop: a@example.com → b@example.com → a@example.com"),
        (3, "managers go round in a loop: b@example.com → a@example.com → b@example.com"),
    ]
    assert not report.written and count(session, Person) == 0
    run(
        session,
        "people",
        "email,name,role,manager_email\na@example.com,Ann,manager,\nb@example.com,Bob,manager,a@example.com\n",
    )
    looped = run(session, "people", "email,name,role,manager_email\na@example.com,Ann,manager,b@example.com\n")
    assert "a@example.com → b@example.com → a@example.com" in looped.rejected[0].reason  # with who is on file
