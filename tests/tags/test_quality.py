from tags.quality import Quality, is_bad, is_good, is_uncertain, quality_name, severity


def test_codes_are_opc_ua_status_codes() -> None:
    from asyncua import ua

    assert Quality.BAD_NO_COMMUNICATION == ua.StatusCodes.BadNoCommunication
    assert Quality.BAD_SENSOR_FAILURE == ua.StatusCodes.BadSensorFailure
    assert Quality.BAD_OUT_OF_SERVICE == ua.StatusCodes.BadOutOfService
    assert Quality.UNCERTAIN_ENGINEERING_UNITS_EXCEEDED == ua.StatusCodes.UncertainEngineeringUnitsExceeded
    assert Quality.UNCERTAIN_LAST_USABLE_VALUE == ua.StatusCodes.UncertainLastUsableValue


def test_severity_and_names() -> None:
    assert is_good(Quality.GOOD) and is_good(Quality.GOOD_LOCAL_OVERRIDE)
    assert is_uncertain(Quality.UNCERTAIN_LAST_USABLE_VALUE) and not is_bad(Quality.UNCERTAIN_LAST_USABLE_VALUE)
    assert is_bad(Quality.BAD_NO_COMMUNICATION) and severity(Quality.BAD_OUT_OF_SERVICE) == "bad"
    assert quality_name(Quality.BAD_NO_COMMUNICATION) == "Bad_NoCommunication"
    assert quality_name(Quality.UNCERTAIN_ENGINEERING_UNITS_EXCEEDED) == "Uncertain_EngineeringUnitsExceeded"
    assert quality_name(0) == "Good"
    assert quality_name(0x80AB0000) == "Bad(0x80AB0000)"
