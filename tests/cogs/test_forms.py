"""Reading a submitted form by its inputs' custom_ids, in both shapes Discord sends: action rows
(the classic modal) and labels (the newer layout, one component under `component`)."""

from __future__ import annotations

from cogs.submissions import SUBMIT_FORM, expired_form, form_values


def test_values_come_from_action_rows_and_labels_alike():
    rows = {"components": [{"type": 1, "components": [{"type": 4, "custom_id": "fact", "value": "A fact."}]}]}
    labels = {"components": [{"type": 18, "id": 1, "component": {"type": 4, "custom_id": "fact", "value": "A fact."}}]}
    assert form_values(rows) == form_values(labels) == {"fact": "A fact."}


def test_junk_in_a_hand_made_form_is_ignored():
    junk = {"components": [None, 7, {"type": 4, "custom_id": 5, "value": "x"}, {"type": 1, "components": "no"}]}
    assert form_values(junk) == {}
    assert form_values(None) == {}


def test_only_our_submission_form_ids_route():
    assert SUBMIT_FORM.fullmatch("submit:film:42")["film"] == "42"
    assert SUBMIT_FORM.fullmatch("submit:new")["film"] is None
    assert SUBMIT_FORM.fullmatch("submit:film:") is None
    assert SUBMIT_FORM.fullmatch("submit:film:1" + "0" * 19) is None


def test_an_expired_form_hands_back_the_text_without_breaking_its_code_block():
    text = expired_form({"fact": "It has ``` fences", "source": " "})
    assert text.count("```") == 2
    assert "It has ` ` ` fences" in text
