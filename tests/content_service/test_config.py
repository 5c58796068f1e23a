"""The settings table: every value parsed to its type, a bad one a clear
ConfigError naming where it came from; defaults and names as before."""
from __future__ import annotations

import pytest

from content_service import config, create_app
from kiosk import settings as kiosk_settings

DEV = {"ENV": "test", "DATABASE_URL": "sqlite://"}


def test_the_table_keeps_every_name_variable_and_default():
    assert config.DEFAULTS["API_PAGE_SIZE"] == 20 and config.DEFAULTS["SEARCH_BACKEND"] == ""
    assert config.ENV_SETTINGS["CIRCULATION_MAX_FINES"] is int
    assert all(s.env == f"PINDAI_{s.name}" for s in config.SETTINGS if s.env)
    assert len({s.name for s in config.SETTINGS}) == len(config.SETTINGS)
    loaded = config.load(DEV, environ={})
    assert loaded["LOGIN_LOCK_MINUTES"] == 15 and loaded["MAX_PAYLOAD_LENGTH"] == 2048
    assert loaded["UPLOAD_LIMITS"] == {} and loaded["UPLOAD_LIMITS"] is not config.DEFAULTS["UPLOAD_LIMITS"]


@pytest.mark.parametrize("environ, message", [
    ({"PINDAI_API_PAGE_SIZE": "seven"}, "PINDAI_API_PAGE_SIZE='seven' is not a valid int"),
    ({"PINDAI_API_PAGE_SIZE": "0"}, "API_PAGE_SIZE must be at least 1"),
    ({"PINDAI_ANSWER_CACHE_SIZE": "-1"}, "PINDAI_ANSWER_CACHE_SIZE=-1"),
    ({"PINDAI_CIRCULATION_MAX_FINES": "1.5"}, "PINDAI_CIRCULATION_MAX_FINES='1.5' is not a valid int"),
])
def test_a_bad_environment_variable_is_a_clear_error(environ, message):
    with pytest.raises(config.ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        config.load(DEV, environ=environ)


def test_a_bad_value_in_the_mapping_is_a_clear_error():
    with pytest.raises(config.ConfigError, match="TRUSTED_PROXIES=True is not a valid int"):
        create_app({**DEV, "TRUSTED_PROXIES": True})
    with pytest.raises(config.ConfigError, match="UPLOAD_LIMITS=5 is not a valid dict"):
        create_app({**DEV, "UPLOAD_LIMITS": 5})
    with pytest.raises(config.ConfigError, match="PUBLIC_BASE_URL=5"):
        create_app({**DEV, "PUBLIC_BASE_URL": 5})
    # Strings from a config file are parsed as the environment's are; unknown keys pass through.
    app = create_app({**DEV, "API_PAGE_SIZE": "7", "TESTING": True, "SOMETHING_ELSE": [1]})
    assert (app.config["API_PAGE_SIZE"], app.config["SOMETHING_ELSE"]) == (7, [1])


def test_kiosk_settings_parse_and_refuse_the_same_way():
    loaded = kiosk_settings.load_config({"LOOP": "yes", "IDLE_SECONDS": 30},
                                        environ={"PINDAI_KIOSK_IDLE_WARNING_SECONDS": "5.5"})
    assert (loaded["LOOP"], loaded["IDLE_SECONDS"], loaded["IDLE_WARNING_SECONDS"]) == (True, 30, 5.5)
    with pytest.raises(kiosk_settings.ConfigError, match="PINDAI_KIOSK_IDLE_SECONDS='-3'"):
        kiosk_settings.load_config(environ={"PINDAI_KIOSK_IDLE_SECONDS": "-3"})
    with pytest.raises(kiosk_settings.ConfigError, match="LOOP='maybe' is not a valid bool"):
        kiosk_settings.load_config({"LOOP": "maybe"}, environ={})
    assert {s.name for s in kiosk_settings.SETTINGS} == set(kiosk_settings.DEFAULTS)
