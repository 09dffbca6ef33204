from datetime import UTC, datetime, time

import pytest

from services.notify.domain.notification import Channel, RecipientKind
from services.notify.domain.preferences import (
    DEFAULT_QUIET_HOURS,
    Preferences,
    effective_preferences,
    quiet_hours_for,
)
from services.notify.domain.quiet_hours import QuietHours
from tests.unit.notify.factories import CHINA


@pytest.mark.parametrize(
    ("hh", "mm", "quiet"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 30, True),
        (0, 0, True),
        (7, 59, True),
        (8, 0, False),
        (12, 0, False),
    ],
)
def test_default_window_wraps_midnight(hh: int, mm: int, quiet: bool) -> None:
    moment = datetime(2025, 6, 2, hh, mm, tzinfo=CHINA)
    assert DEFAULT_QUIET_HOURS.contains(moment) is quiet


def test_window_is_read_in_china_time_whatever_the_input_zone() -> None:
    assert DEFAULT_QUIET_HOURS.contains(datetime(2025, 6, 2, 15, 0, tzinfo=UTC))  # 23:00 CST
    assert not DEFAULT_QUIET_HOURS.contains(datetime(2025, 6, 2, 1, 0, tzinfo=UTC))  # 09:00


def test_defer_moves_to_the_end_of_the_window() -> None:
    evening = datetime(2025, 6, 2, 23, 15, tzinfo=CHINA)
    assert DEFAULT_QUIET_HOURS.defer(evening) == datetime(2025, 6, 3, 8, 0, tzinfo=CHINA)
    early = datetime(2025, 6, 3, 6, 0, tzinfo=CHINA)
    assert DEFAULT_QUIET_HOURS.defer(early) == datetime(2025, 6, 3, 8, 0, tzinfo=CHINA)
    noon = datetime(2025, 6, 3, 12, 0, tzinfo=CHINA)
    assert DEFAULT_QUIET_HOURS.defer(noon) == noon


def test_defer_keeps_the_callers_zone() -> None:
    deferred = DEFAULT_QUIET_HOURS.defer(datetime(2025, 6, 2, 15, 0, tzinfo=UTC))
    assert deferred.tzinfo == UTC
    assert deferred == datetime(2025, 6, 3, 0, 0, tzinfo=UTC)


def test_daytime_window() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0))
    assert lunch.contains(datetime(2025, 6, 2, 13, 0, tzinfo=CHINA))
    assert not lunch.contains(datetime(2025, 6, 2, 14, 0, tzinfo=CHINA))
    assert lunch.defer(datetime(2025, 6, 2, 12, 30, tzinfo=CHINA)) == datetime(
        2025, 6, 2, 14, 0, tzinfo=CHINA
    )


def test_bad_windows_are_refused() -> None:
    with pytest.raises(ValueError):
        QuietHours(time(8, 0), time(8, 0))
    with pytest.raises(ValueError):
        DEFAULT_QUIET_HOURS.contains(datetime(2025, 6, 2, 23, 0))


def test_quiet_hours_apply_to_non_urgent_sms_only() -> None:
    prefs = Preferences(channels=(Channel.SMS, Channel.EMAIL))
    assert quiet_hours_for(Channel.SMS, False, prefs) == DEFAULT_QUIET_HOURS
    assert quiet_hours_for(Channel.SMS, True, prefs) is None
    assert quiet_hours_for(Channel.EMAIL, False, prefs) is None
    assert quiet_hours_for(Channel.SMS, False, Preferences((Channel.SMS,), None)) is None


def test_defaults_per_kind() -> None:
    assert effective_preferences(RecipientKind.OFFICER, None).channels == (Channel.SMS,)
    assert effective_preferences(RecipientKind.COUNTY, None).channels == (Channel.EMAIL,)
    assert effective_preferences(RecipientKind.REPORTER, None).channels == (Channel.SMS,)


def test_choice_is_cut_to_allowed_channels_and_deduplicated() -> None:
    chosen = Preferences(channels=(Channel.EMAIL, Channel.WEBHOOK, Channel.EMAIL, Channel.SMS))
    assert effective_preferences(RecipientKind.OFFICER, chosen).channels == (
        Channel.EMAIL,
        Channel.SMS,
    )


def test_nothing_usable_falls_back_to_the_default_but_keeps_quiet_hours() -> None:
    # Preferences never switch a notice off: an officer must hear of an assignment.
    lunch = QuietHours(time(12, 0), time(14, 0))
    chosen = Preferences(channels=(Channel.WEBHOOK,), quiet_hours=lunch)
    got = effective_preferences(RecipientKind.OFFICER, chosen)
    assert got.channels == (Channel.SMS,)
    assert got.quiet_hours == lunch


def test_reporters_may_choose_query_code_only() -> None:
    chosen = Preferences(channels=(Channel.QUERY_CODE,))
    assert effective_preferences(RecipientKind.REPORTER, chosen).channels == (Channel.QUERY_CODE,)
