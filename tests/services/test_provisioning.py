"""How long provisioning usually takes, from the dashboard's own archive (no figure without one)."""

from __future__ import annotations

from pathlib import Path

from aod_ui.archive import Archive, SessionFiles, encode
from aod_ui.services import ProvisioningTimes, Typical, provisioning_ms


def stages(*durations: int, failed: bool = False) -> list[dict]:
    events: list[dict] = [{'type': 'start', 'provider': 'anthropic', 'session_id': 's'}]
    for number, duration in enumerate(durations, start=1):
        events.append({'type': 'stage', 'id': 2 * number, 'stage': f'stage_{number}', 'state': 'started'})
        events.append({'type': 'stage', 'id': 2 * number + 1, 'stage': f'stage_{number}',
                       'state': 'failed' if failed and number == len(durations) else 'done', 'duration_ms': duration})
    events.append({'type': 'stage', 'id': 90, 'stage': 'runtime_start', 'state': 'started'})
    events.append({'type': 'turn_start', 'id': 91, 'turn': 1})
    events += [{'type': 'output', 'id': 91 + n, 'stream': 'stdout', 'data': f'line {n}\n', 'turn': 1}
               for n in range(500)]
    return events


def keep(folder: Path, session_id: str, events: list[dict], created: str, *, complete: bool = True,
         packed: bool = True) -> None:
    files = SessionFiles(folder, session_id)
    files.append([encode(e.get('id'), e) for e in events], sync=True)
    if packed:
        files.compact()
    files.write_meta({'complete': complete, 'info': {'created_at': created}})


def test_provisioning_is_the_first_turns_reported_stage_durations() -> None:
    assert provisioning_ms(stages(2500, 2000, 300)) == 4800
    assert provisioning_ms(stages(2500, failed=True)) is None  # never provisioned
    assert provisioning_ms(stages()) is None  # no durations reported: no figure
    assert provisioning_ms(stages(1000)[:3]) is None  # the events end before the agent started


async def test_the_typical_time_is_the_median_of_the_latest_whole_archives(tmp_path: Path) -> None:
    folder = tmp_path / 'archive'
    archive = Archive(folder)
    archive.open()
    clock = [0.0]
    times = ProvisioningTimes(archive, sample=3, ttl=600, clock=lambda: clock[0])
    assert await times.typical() is None  # nothing kept yet: the page gives no figure
    keep(folder, 'first', stages(3000), '2025-12-01T00:00:00+00:00')
    archive.open()
    clock[0] = 59
    assert await times.typical() is None  # asked again only a minute later
    clock[0] = 61
    assert await times.typical() == Typical(seconds=3.0, sessions=1)
    clock[0] = 600
    assert await times.typical() == Typical(seconds=3.0, sessions=1)  # a figure is kept longer
    keep(folder, 'oldest', stages(90_000), '2026-01-01T00:00:00+00:00')  # not among the latest three
    keep(folder, 'a', stages(4000, 1000), '2026-02-01T00:00:00+00:00')
    keep(folder, 'b', stages(8000), '2026-02-02T00:00:00+00:00', packed=False)
    keep(folder, 'failed', stages(3000, failed=True), '2026-02-03T00:00:00+00:00')  # tells nothing
    keep(folder, 'c', stages(6000, 1000), '2026-02-04T00:00:00+00:00')
    keep(folder, 'active', stages(1), '2026-02-05T00:00:00+00:00', complete=False)  # not whole yet
    (folder / 'damaged.jsonl.gz').write_bytes(b'not gzip')
    SessionFiles(folder, 'damaged').write_meta({'complete': True, 'info': {'created_at': '2026-02-06T00:00:00+00:00'}})
    archive = Archive(folder)
    archive.open()
    clock = [0.0]
    times = ProvisioningTimes(archive, sample=3, ttl=60, clock=lambda: clock[0])  # 'first' is not among the latest
    assert await times.typical() == Typical(seconds=7.0, sessions=3)  # median of 5, 8 and 7 s
    keep(folder, 'd', stages(20_000), '2026-02-07T00:00:00+00:00')
    archive.open()
    assert await times.typical() == Typical(seconds=7.0, sessions=3)  # kept a while: no disk reads per page
    clock[0] = 61
    assert await times.typical() == Typical(seconds=8.0, sessions=3)  # 20, 7 and 8 s now the latest
