"""Replies from a Maildir: matched to their plan by the Reply-To tag, counted once, never a report or an auto-reply."""

from __future__ import annotations

import datetime as dt
import email.message
import mailbox

import pytest

from mailing.reports import queries
from mailing.reports.replies import RepliesError, import_replies, tag_pattern
from talentpool.models import Member
from talentpool.store import Store

REPLY_TO = "carrieres+r-{plan}@cardamome.example"
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)


def message(sender, to, ident, **headers):
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"], msg["Subject"] = sender, to, ident, "Re: offres"
    msg["Date"] = "Mon, 30 Nov 2026 10:00:00 +0100"
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content("Merci !")
    return msg


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "pool.sqlite3") as opened:
        opened.add(Member(id="m-lea", email="Lea.Garnier@example.org", created=dt.date(2026, 1, 5)))
        yield opened


def test_maildir_replies_counted_per_plan_once_and_as_a_contact(store, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(message("Léa <lea.garnier@example.org>", "Carrieres+R-2026-12-data-cloud@cardamome.example", "<1@x>"))
    box.add(message("lea.garnier@example.org", "carrieres+r-2026-12-data-cloud@cardamome.example", "<1@x>"))  # same again
    box.add(message("someone@else.example", "carrieres+r-sequences-2026-11-22@cardamome.example", "<2@x>"))
    box.add(message("lea.garnier@example.org", "carrieres+r-2026-12-data-cloud@cardamome.example", "<3@x>", Precedence="auto_reply"))
    box.add(message("postmaster@example.org", "carrieres+r-2026-12-data-cloud@cardamome.example", "<4@x>"))
    result = import_replies(store, tmp_path / "Maildir", REPLY_TO, NOW)
    assert result.counted == {"2026-12-data-cloud": 1, "sequences-2026-11-22": 1}
    assert (result.already, result.automatic, result.untagged) == (1, 2, 0)
    assert queries.replies(store, "2026-12-data-cloud") == [("m-lea", "2026-11-30T10:00:00+01:00")]
    assert queries.replies(store, "sequences-2026-11-22") == [("", "2026-11-30T10:00:00+01:00")]  # not a member: counted, no one named
    assert store.get("m-lea").last_contact == dt.date(2026, 11, 30)
    store.delete("m-lea")  # an erasure takes the member's replies with it
    assert queries.replies(store, "2026-12-data-cloud") == []


def test_clear_errors_for_a_setting_without_the_plan_tag_and_a_bad_source(store, tmp_path):
    with pytest.raises(RepliesError, match=r"MAILING_REPLY_TO must contain \{plan\}"):
        import_replies(store, tmp_path, "carrieres@cardamome.example", NOW)
    (tmp_path / "folder").mkdir()
    with pytest.raises(RepliesError, match="must be a Maildir"):
        import_replies(store, tmp_path / "folder", REPLY_TO, NOW)
    with pytest.raises(RepliesError, match="no such mbox file or Maildir"):
        import_replies(store, tmp_path / "missing.mbox", REPLY_TO, NOW)


def test_the_tag_pattern_takes_only_the_plan_part():
    pattern = tag_pattern(REPLY_TO)
    assert pattern.fullmatch("carrieres+r-invitation-forum-0@cardamome.example").group("plan") == "invitation-forum-0"
    assert pattern.fullmatch("carrieres@cardamome.example") is None
    assert pattern.fullmatch("carrieres+r-x@other.example") is None
