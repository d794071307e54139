from cogs.paginator import PAGE_CHARS, paginate


def test_long_lists_become_pages_of_ten_within_the_embed_limit():
    pages = paginate([f"line {i}" for i in range(25)])
    assert len(pages) == 3
    assert pages[0].split("\n\n") == [f"line {i}" for i in range(10)]
    assert pages[2].split("\n\n") == [f"line {i}" for i in range(20, 25)]


def test_a_page_never_outgrows_the_description_limit():
    pages = paginate(["x" * 1500] * 5 + ["y" * 10_000])
    assert all(len(page) <= PAGE_CHARS for page in pages)
    assert len(pages) == 4


def test_an_empty_list_is_one_empty_page():
    assert paginate([]) == [""]
