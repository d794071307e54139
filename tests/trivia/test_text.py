from bot.trivia.text import clean_line, fold, unescape_entities


def test_entities_in_odd_case_are_decoded_and_case_sensitive_names_kept():
    assert unescape_entities("Jeremy &Quot;Joker&Quot; Brent") == 'Jeremy "Joker" Brent'
    assert unescape_entities("&Eacute;mile &eacute;t&eacute;") == "Émile été"
    assert unescape_entities("&#39;87 &#x41;") == "'87 A"
    assert unescape_entities("&notanentity; & co") == "&notanentity; & co"


def test_clean_line_drops_invisible_characters_and_folds_space():
    assert clean_line("  a\u200b b\t\tc\u202e \x00") == "a b c"


def test_fold_ignores_case_accents_and_punctuation():
    assert fold("Amélie!") == fold("amelie")
    assert fold("Rock & Roll") == fold("rock and roll")
