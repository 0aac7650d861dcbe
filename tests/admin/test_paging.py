from checkout.admin.services.paging import PageNumbers


def test_requested_page_is_kept_within_the_pages_that_exist():
    assert PageNumbers.of(1, 0, 25) == PageNumbers(1, 1)
    assert PageNumbers.of(3, 51, 25) == PageNumbers(3, 3)
    assert PageNumbers.of(9, 51, 25) == PageNumbers(3, 3)
    assert PageNumbers.of(-2, 51, 25) == PageNumbers(1, 3)
    middle = PageNumbers.of(2, 51, 25)
    assert middle.has_previous and middle.has_next and middle.offset(25) == 25
    assert not PageNumbers(1, 1).has_previous and not PageNumbers(1, 1).has_next
