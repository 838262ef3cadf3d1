"""References as citizens type them: full-width digits (Chinese IMEs), spaces and hyphens are
the same bill; anything else that is not in the biller's format is refused before any call."""

from __future__ import annotations

import pytest

from weizheng.core.errors import AppError
from weizheng.payments import actions, connectors
from weizheng.payments.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "typed", ["３１０００１２３４５", " 3100-0123 45 ", "３１００－０１２３４５"]
)
def test_full_width_digits_spaces_and_hyphens_are_the_same_bill(pay_world, typed):
    ascii_bill = actions.check_lookup(biller=pay_world.water, reference="3100012345", subject=None)

    bill = actions.check_lookup(biller=pay_world.water, reference=typed, subject=None)

    assert bill == ascii_bill
    assert bill.reference == "3100012345"


def test_the_same_bill_typed_in_full_width_is_held_by_the_live_order(pay_world):
    first = pay_world.order("3100012345", openid="o-another-citizen")

    with pytest.raises(AppError) as refused:
        pay_world.order("３１０００１２３４５")

    assert refused.value.code == "bill_in_payment"
    assert list(Order.objects.values_list("pk", "reference")) == [(first.pk, "3100012345")]


@pytest.mark.parametrize("typed", ["٣١٠٠٠١٢٣٤٥", "3100０12345x", "31000", "3" * 21])
def test_other_scripts_digits_letters_and_wrong_lengths_are_refused(pay_world, typed):
    with pytest.raises(AppError) as refused:
        actions.check_lookup(biller=pay_world.water, reference=typed, subject=None)

    assert refused.value.code == "invalid_reference"
    assert not Order.objects.exists()


def test_the_fine_format_is_the_decision_number():
    assert connectors.DEFAULT_REFERENCE_PATTERNS["fine"] == r"[0-9]{15,16}"
    assert (
        connectors.normalise_reference("４４０９ ３７２６１０１２ ０１２３") == "4409372610120123"
    )
