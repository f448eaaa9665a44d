"""The links messages carry lead to the page of their object, never the site root."""

from __future__ import annotations

import uuid

import pytest

from app.config import ConfigError, load_settings
from app.domain.shared.links import LinkTemplateError, SiteLinks

SITE = "https://balance.example"


def test_each_page_link_names_its_object() -> None:
    links = SiteLinks(f"{SITE}/")
    appointment = uuid.UUID("00000000-0000-0000-0000-00000000000a")
    assert links.appointment(appointment) == f"{SITE}/cabinet/appointments/{appointment}"
    assert links.manage("t0k/en") == f"{SITE}/booking/manage#token=t0k%2Fen"
    assert links.question("abc") == f"{SITE}/questions/answer#token=abc"
    assert links.service("individual") == f"{SITE}/services/individual"
    every = [
        links.appointment(appointment), links.manage("x"), links.pay(appointment),
        links.cabinet(), links.waitlist(), links.service("s"), links.booking(),
        links.question("x"), links.data_request("x"), links.staff_appointment(appointment),
        links.staff_moderation_item(appointment), links.staff_payment(appointment),
        links.staff_settings(),
    ]  # fmt: skip
    assert all(link.rstrip("/") != SITE for link in every)


def test_a_path_can_be_overridden_with_its_own_placeholders_only() -> None:
    links = SiteLinks(SITE, {"manage": "/zapis/{token}"})
    assert links.manage("abc") == f"{SITE}/zapis/abc"
    with pytest.raises(LinkTemplateError):
        SiteLinks(SITE, {"manage": "/zapis/{appointment_id}"})
    with pytest.raises(LinkTemplateError):
        SiteLinks(SITE, {"nowhere": "/x"})
    with pytest.raises(LinkTemplateError):
        SiteLinks(SITE, {"cabinet": "cabinet"})


def test_settings_read_the_site_and_its_paths() -> None:
    settings = load_settings({"PUBLIC_BASE_URL": "https://api.example", "SITE_PATH_CABINET": "/lk"})
    assert settings.site_url == "https://api.example"  # the site defaults to the API's address
    assert settings.site_links.cabinet() == "https://api.example/lk"
    settings = load_settings({"SITE_URL": SITE})
    assert settings.site_links.cabinet() == f"{SITE}/cabinet"
    with pytest.raises(ConfigError) as caught:
        load_settings({"SITE_PATH_MANAGE": "/m/{slug}"})
    assert caught.value.variable == "SITE_PATH_MANAGE"
