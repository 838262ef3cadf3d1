"""The demo's 问政: the city account's categories and twenty requests in every state (overdue,
rated, on the board, an extension waiting, a similar pair), a trained classifier; loading twice
adds nothing; the clerks' access follows the ADR (the police handler sees traffic requests only)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from weizheng.inquiries import selectors
from weizheng.inquiries.models import Classifier, ExtensionRequest, Inquiry

pytestmark = pytest.mark.django_db


def test_the_demo_loads_requests_in_every_state_once(django_user_model):
    call_command("demo_load", "--port", "8000")
    call_command("demo_load", "--port", "8000")
    # Twenty-two asked by citizens; the Open311 demo (the 12345 hotline) files two more.
    gov = Inquiry.objects.filter(account__slug="gov")
    assert gov.exclude(channel="open311").count() == 22
    assert gov.filter(channel="open311").count() == 2
    assert set(gov.values_list("status", flat=True)) == {
        "received",
        "signed",
        "in_progress",
        "replied",
        "rated",
        "closed",
    }
    assert selectors.overdue(gov).exists()
    assert selectors.board(account=gov.first().account).count() >= 8
    assert gov.filter(duplicate_of__isnull=False).count() == 1
    assert ExtensionRequest.objects.filter(status="pending").count() == 1
    assert Classifier.objects.get(account__slug="gov").training_size == 13
    police = django_user_model.objects.get(username="police_handler")
    assert {i.category.code for i in selectors.queue_for(police)} == {"traffic"}
    admin = django_user_model.objects.get(username="gov_admin")
    assert selectors.queue_for(admin).count() == 24
    rows = selectors.figures(selectors.visible_inquiries(admin))
    assert any(row["satisfaction_rate"] for row in rows)


def test_the_demo_classifier_suggests_the_traffic_police_for_a_blocked_fire_lane():
    call_command("demo_load", "--port", "8000")
    waiting = Inquiry.objects.get(account__slug="gov", description__startswith="我家楼下的消防通道")
    assert waiting.suggested_department.name == "平安市公安局交警支队"


def test_the_simulator_places_and_demo_requests_lie_in_the_demo_jurisdiction():
    """A citizen in the demo can send a location: the simulator's suggested places, the demo's
    requests and the Open311 demo's are all inside the gov account's jurisdiction box."""
    from weizheng.inquiries import demo
    from weizheng.inquiries.models import InquirySettings
    from weizheng.open311 import demo as open311_demo
    from weizheng.simulator.views import PLACES

    box = InquirySettings(**demo.BOX)
    assert box.contains(*demo.CENTER)
    for place in PLACES:
        assert box.contains(place["latitude"], place["longitude"]), place["label"]
    for spec in demo.REQUESTS:
        dlat, dlng = spec["at"]
        assert box.contains(demo.CENTER[0] + dlat, demo.CENTER[1] + dlng), spec["a"]
    for spec in open311_demo.REQUESTS:
        if "lat" in spec:
            assert box.contains(float(spec["lat"]), float(spec["long"])), spec["address_string"]
