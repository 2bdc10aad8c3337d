"""The raw-row line protocol: the fields a row carries (influxd's cost grows with them)."""

from __future__ import annotations

from historian.line_protocol import encode_rows
from historian.rows import Row
from tags import Quality


def test_a_good_number_carries_only_its_value_and_server_time() -> None:
    body = encode_rows([Row("E01.T1.LT", 5, 1.5, Quality.GOOD, 6)])
    assert body == b"v,point=E01.T1.LT value=1.5,st=6i 5"


def test_other_qualities_are_written_and_a_bad_number_is_kept_out_of_value() -> None:
    lines = encode_rows(
        [
            Row("P", 1, 2.0, Quality.UNCERTAIN, 9),
            Row("P", 2, 3.0, Quality.BAD_SENSOR_FAILURE, 9),
            Row("P", 3, None, Quality.BAD_NO_COMMUNICATION, 9),
            Row("P", 4, "开", Quality.GOOD, 9),
        ]
    ).decode()
    assert lines.split("\n") == [
        f"v,point=P value=2.0,q={int(Quality.UNCERTAIN)}i,st=9i 1",
        f"v,point=P bad=3.0,q={int(Quality.BAD_SENSOR_FAILURE)}i,st=9i 2",
        f"v,point=P q={int(Quality.BAD_NO_COMMUNICATION)}i,st=9i 3",
        'v,point=P text="开",st=9i 4',
    ]
