"""MultiCheckboxField.checkboxes() (issue 21) renders what WTForms renders option by option, in
one pass: the same ids, names, values, checked state and escaped labels."""
from __future__ import annotations

from wtforms import Form

from igp.forms_util import MultiCheckboxField, options


class _Form(Form):
    people = MultiCheckboxField("Deelnemers", coerce=int)
    styled = MultiCheckboxField("Met attributen", render_kw={"class": "compact"})


def _wtforms_way(field) -> str:
    return "\n".join(f'<div class="checkbox">{option()} {option.label}</div>' for option in field)


def test_the_checkboxes_are_those_wtforms_renders_with_checked_and_escaped_labels():
    form = _Form(prefix="intake")
    form.people.choices = options([(1, "Anna"), (2, 'Kim <b>& "Co"</b>'), (3, "Bo")])
    form.people.data = [2, 3]
    html = str(form.people.checkboxes())
    assert html == _wtforms_way(form.people)
    assert '<input checked id="intake-people-1" name="intake-people" type="checkbox" value="2">' in html
    assert '<input id="intake-people-0"' in html and "<b>" not in html and "Kim &lt;b&gt;&amp;" in html


def test_a_field_with_attributes_of_its_own_takes_the_wtforms_way():
    form = _Form()
    form.styled.choices = options([("a", "Een"), ("b", "Twee")])
    assert str(form.styled.checkboxes()) == _wtforms_way(form.styled)
    assert 'class="compact"' in str(form.styled.checkboxes())
